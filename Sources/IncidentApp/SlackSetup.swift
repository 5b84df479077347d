import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentSlack
import IncidentWire
import Logging
import ServiceLifecycle

/// Slack's secrets and wiring for `serve`: the transport, the signed HTTP endpoint and, with an
/// app-level token, Socket Mode.
public struct SlackSetup: Sendable {
    public var settings: BotConfig.SlackSettings
    /// The shared listener's limits, which the endpoint applies to each request.
    public var http: BotConfig.HTTPSettings
    public var botToken: Secret
    /// Needed for the HTTP endpoint; without it only Socket Mode runs.
    public var signingSecret: Secret?
    /// `xapp-...`: switches Socket Mode on.
    public var appToken: Secret?
    public var apiURL: String
    /// How this process's Socket Mode connection fares (where it runs: on the leader).
    public let socketHealth = LoopHealth("connection")

    /// Reads the secrets from `environment` (each `NAME` or `NAME_FILE`, never both).
    public static func load(_ config: BotConfig, environment: [String: String]) throws -> SlackSetup {
        let settings = config.slack
        guard let bot = try Secrets.read("SLACK_BOT_TOKEN", environment) else {
            throw StartupError("slack.enabled is true but SLACK_BOT_TOKEN (or SLACK_BOT_TOKEN_FILE) is not set; "
                               + "see docs/slack-setup.md")
        }
        let signing = try Secrets.read("SLACK_SIGNING_SECRET", environment)
        let app = try Secrets.read("SLACK_APP_TOKEN", environment)
        guard signing != nil || app != nil else {
            throw StartupError("Slack needs SLACK_SIGNING_SECRET (HTTP endpoint) or SLACK_APP_TOKEN (Socket Mode), or both; "
                               + "neither is set")
        }
        if let app, !app.value.hasPrefix("xapp-") {
            throw StartupError("SLACK_APP_TOKEN is not an app-level token (those start with xapp-)")
        }
        let url = try BotConfig.environmentURL("SLACK_API_URL", environment) ?? settings.apiURL
        return SlackSetup(settings: settings, http: config.http, botToken: bot, signingSecret: signing, appToken: app, apiURL: url)
    }

    public func api() -> SlackWebAPI { SlackWebAPI(baseURL: apiURL, token: botToken) }

    /// Ready when Slack's Web API answers and accepts the bot token (`auth.test`, 3 s at most),
    /// and, with Socket Mode, its connection has not failed five times in a row (a revoked
    /// app-level token, a socket that keeps dying): the bot would be deaf to Slack. `auth.test` is
    /// shared by the probes that come together (`SharedCheck`).
    public func readinessCheck() -> AdminListener.Check {
        let api = SlackWebAPI(baseURL: apiURL, token: botToken, timeout: .seconds(3))
        let socket = appToken == nil ? nil : socketHealth
        let authTest = SharedCheck {
            do {
                _ = try await api.call("auth.test", [:])
                return nil
            } catch {
                return "auth.test failed: \(error)"
            }
        }
        return AdminListener.Check(name: "slack") {
            if let problem = await authTest.answer() { return problem }
            return socket?.problem.map { "Socket Mode \($0)" }
        }
    }

    public func transport(logger: Logger) -> SlackTransport {
        SlackTransport(api: api(), logger: logger)
    }

    /// The workspaces served: `slack.allowed_teams`, or the bot's own from `auth.test`.
    /// `ownAccounts`: where the bot's own user id goes once Slack names it.
    public func workspaces<Clock: IncidentClock>(logger: Logger, clock: Clock, ownAccounts: (any LearnedAccounts)? = nil,
                                                 outsiders: (any LearnedOutsiders)? = nil) -> SlackWorkspaces {
        SlackWorkspaces(allowed: Set(settings.allowedTeams), api: api(), logger: logger, ownAccounts: ownAccounts, outsiders: outsiders,
                        now: { clock.now })
    }

    /// What takes requests from Slack into `engine`: services for the leader (the roster
    /// check, Socket Mode), the endpoint's routes on the HTTP listener (with a signing secret),
    /// what the replica serving those routes runs beside them (asking which workspace it
    /// serves, at start), and the workspaces served.
    ///
    /// A leader's term on PostgreSQL builds its own services with `sharing` the workspaces of
    /// the replica's first call: the replica asked `auth.test` as it started, so a takeover's
    /// Socket Mode serves only the bot's own workspace from its first envelope, even with
    /// Slack's Web API slow or down, as it often is during a failover.
    public func inbound<Clock: IncidentClock>(engine: Engine<Clock>, logger: Logger, sharing shared: SlackWorkspaces? = nil)
        -> (services: [any Service], routes: [HTTPListener.Routes], besideRoutes: [any Service], workspaces: SlackWorkspaces) {
        let workspaces = shared ?? workspaces(logger: logger, clock: engine.clock, ownAccounts: engine.settings.community.ownAccounts,
                                                 outsiders: engine.settings.community.outsiders)
        let gateway = SlackGateway(engine: engine, api: api(), workspaces: workspaces,
                                   timelineReaction: settings.timelineReaction, stalls: .process, logger: logger)
        var services: [any Service] = [SlackRosterCheck(api: api(), directory: engine.directory, logger: logger)]
        var routes: [HTTPListener.Routes] = []
        var besideRoutes: [any Service] = []
        if let endpoint = endpoint(gateway, logger: logger) {
            routes.append(endpoint.register)
            besideRoutes.append(SlackWorkspaceCheck(workspaces: workspaces))
        }
        if let appToken {
            services.append(SlackSocketMode(gateway: gateway, appAPI: SlackWebAPI(baseURL: apiURL, token: appToken), logger: logger,
                                            health: socketHealth))
            if besideRoutes.isEmpty { services.append(SlackWorkspaceCheck(workspaces: workspaces)) }
        }
        return (services, routes, besideRoutes, workspaces)
    }

    /// The HTTP endpoint as the config sets it up; nil without a signing secret (Socket Mode only).
    public func endpoint<Clock: IncidentClock>(_ gateway: SlackGateway<Clock>, logger: Logger) -> SlackEndpoint<Clock>? {
        guard let signingSecret else { return nil }
        let settings = SlackEndpoint<Clock>.Settings(path: settings.path, maxBody: http.maxBody, readTimeout: http.readTimeout)
        return SlackEndpoint(gateway: gateway, signer: SlackSigner(secret: signingSecret.value), settings: settings, logger: logger)
    }
}

/// Secrets from the environment: `NAME` holds the value, or `NAME_FILE` names a file holding it.
public enum Secrets {
    /// A secret is one line of printable text: one with a line break or another control
    /// character in it (a token file with a second line) is no token any provider issued, and
    /// would be refused by the HTTP client in a header, where its text could be shown.
    static func refuseControlCharacters(_ value: String, _ source: String) throws {
        guard value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return }
        throw StartupError("\(source) holds a line break or another control character; a secret is one line (its value is not shown)")
    }

    public static func read(_ name: String, _ environment: [String: String]) throws -> Secret? {
        let direct = environment[name].flatMap { $0.isEmpty ? nil : $0 }
        let file = environment[name + "_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        switch (direct, file) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw StartupError("both \(name) and \(name)_FILE are set; set one")
        case (let value?, nil):
            // Trimmed as a file's is: a secret put in the environment from a file (Kubernetes'
            // --from-file) ends with its line break.
            let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { return nil }
            try refuseControlCharacters(value, name)
            return Secret(value)
        case (nil, let path?):
            // The secret itself put in the `_FILE` variable by mistake would be echoed into
            // the journal: a value that does not look like a path is not shown.
            // A path names a file in a folder that is there (`/run/secrets/slack-token`,
            // `secrets/token`), or starts as paths do.
            let folder = (path as NSString).deletingLastPathComponent
            // Or names something that is there (`/etc`, a folder named by mistake).
            let looksLikeAPath = ["./", "../", "~/"].contains { path.hasPrefix($0) }
                || (path.contains("/") && !folder.isEmpty && folder != "/" && FileManager.default.fileExists(atPath: folder))
                || (path.hasPrefix("/") && FileManager.default.fileExists(atPath: path))
            let shown = looksLikeAPath ? path.escapedToOneLine : "(its value is not shown: it names no file in a folder that exists; is the secret itself in \(name)_FILE?)"
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                let why = BotConfig.reason(error, path: path)
                throw StartupError("cannot read \(name)_FILE \(shown): \(looksLikeAPath || !why.contains(path) ? why : "it cannot be read")")
            }
            // Read, it names a file (`token`, in the working folder): shown as the path it is.
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw StartupError("\(name)_FILE \(path.escapedToOneLine) is empty") }
            try refuseControlCharacters(value, "\(name)_FILE \(path.escapedToOneLine)")
            return Secret(value)
        }
    }
}
