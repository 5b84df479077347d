import Foundation
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentPolicy
import IncidentWire
import Logging
import ServiceLifecycle

/// Matrix's credentials and wiring for `serve`: the transport and the `/sync` service.
public struct MatrixSetup: Sendable {
    public var settings: BotConfig.MatrixSettings
    public var homeserver: String
    public var auth: MatrixClient.Auth
    /// How this process's `/sync` loop fares, for `/readyz`.
    public let syncHealth = LoopHealth("sync")

    /// Reads the homeserver and the bot's credentials from `environment`: `MATRIX_ACCESS_TOKEN`,
    /// or `MATRIX_USER` with `MATRIX_PASSWORD` (each secret also as `NAME_FILE`). A password
    /// login keeps its token in `tokenFile`; with none (PostgreSQL), a password login is refused.
    public static func load(_ settings: BotConfig.MatrixSettings, environment: [String: String], tokenFile: String?) throws -> MatrixSetup {
        let url = try BotConfig.environmentURL("MATRIX_HOMESERVER", environment) ?? settings.homeserver
        guard let url else {
            throw StartupError("matrix.enabled is true but no homeserver is set: set matrix.homeserver in the config "
                               + "or MATRIX_HOMESERVER; see docs/matrix-setup.md")
        }
        let token = try Secrets.read("MATRIX_ACCESS_TOKEN", environment)
        let user = environment["MATRIX_USER"].flatMap { $0.isEmpty ? nil : $0 }
        let password = try Secrets.read("MATRIX_PASSWORD", environment)
        let auth: MatrixClient.Auth
        switch (token, user, password) {
        case (let token?, nil, nil):
            auth = .token(token)
        case (nil, let user?, let password?):
            guard user.hasPrefix("@"), user.contains(":") else {
                // Not repeated: MATRIX_USER and MATRIX_PASSWORD swapped (a Secret's keys mapped
                // the wrong way round) would put the password in the journal.
                let missing = user.hasPrefix("@") ? "has no :server after the name" : "does not start with @"
                throw StartupError("MATRIX_USER is the bot's full Matrix id, such as @incident-bot:example.org; the one set \(missing) "
                                   + "(its value is not shown: it may be the password, the two variables swapped)")
            }
            guard let tokenFile else {
                throw StartupError("on PostgreSQL, give the bot's Matrix access token in MATRIX_ACCESS_TOKEN: replicas share no "
                                   + "disk to keep a password login's token on, and each login would be a new device")
            }
            auth = .password(user: user, password: password, tokenFile: tokenFile)
        case (nil, nil, nil):
            throw StartupError("matrix.enabled is true but no credentials are set: set MATRIX_ACCESS_TOKEN, or MATRIX_USER "
                               + "and MATRIX_PASSWORD (each secret may be NAME_FILE); see docs/matrix-setup.md")
        case (.some, _, _):
            throw StartupError("set MATRIX_ACCESS_TOKEN or MATRIX_USER and MATRIX_PASSWORD, not both")
        default:
            throw StartupError("MATRIX_USER and MATRIX_PASSWORD go together; one of them is not set")
        }
        return MatrixSetup(settings: settings, homeserver: url, auth: auth)
    }

    /// The Matrix accounts served (commands taken, IC and roles given): `allow_commands_from`,
    /// or else the bot's own server, read from `MATRIX_USER` or asked of the homeserver. When
    /// the homeserver does not answer, the bot starts all the same (Slack and the pagers must
    /// not wait for Matrix), and `learning` asks again until it does; till then no Matrix
    /// account is served. The Matrix loop asks first too and tells the server what it learns,
    /// so it takes no command before the server is known.
    /// The bot's own Matrix account goes to `ownAccounts` as soon as it is known (from
    /// `MATRIX_USER`, or the homeserver's answer), so no replica lets anyone name it IC; with
    /// `allow_commands_from` and a token, the sync loop learns it when this replica leads.
    public func community(client: MatrixClient, logger: Logger, ownAccounts: (any LearnedAccounts)? = nil) async
        -> (community: Community, learning: (any Service)?) {
        if case .password(let user, _, _) = auth { ownAccounts?.learn(.matrix, account: user) }
        if !settings.allowCommandsFrom.isEmpty { return (Community(matrix: Set(settings.allowCommandsFrom), ownAccounts: ownAccounts), nil) }
        if case .password(let user, _, _) = auth {
            return (Community(matrix: [Community.server(ofMatrixUser: user)], ownAccounts: ownAccounts), nil)
        }
        let own = LearnedMatrixServer()
        let community = Community(matrix: [], ownMatrixServer: own, ownAccounts: ownAccounts)
        do {
            let me = try await client.whoami()
            own.learn(Community.server(ofMatrixUser: me))
            ownAccounts?.learn(.matrix, account: me)
            return (community, nil)
        } catch {
            logger.error("cannot ask the Matrix homeserver who the bot is; Matrix accounts are served once it answers (or set matrix.allow_commands_from)",
                         metadata: ["reason": "\(error)"])
            return (community, OwnServerLookup(client: client, server: own, ownAccounts: ownAccounts, logger: logger))
        }
    }

    /// Asks the homeserver who the bot is until it answers, with the sync loop's backoff
    /// (the sync loop, asking first too, tells the same server whichever answers first), then
    /// waits for the process to stop: a service of the process's group that returned would
    /// stop the group.
    struct OwnServerLookup: Service {
        let client: MatrixClient
        let server: LearnedMatrixServer
        let ownAccounts: (any LearnedAccounts)?
        let logger: Logger

        func run() async throws {
            let backoff = MatrixSync<LiveClock>.Settings().retry
            let clock = LiveClock()
            try await cancelWhenGracefulShutdown {
                var failures = 0
                while !Task.isCancelled {
                    if server.server != nil { break }
                    if let me = try? await client.whoami() {
                        server.learn(Community.server(ofMatrixUser: me))
                        ownAccounts?.learn(.matrix, account: me)
                        logger.notice("Matrix homeserver answered; its accounts are served now",
                                      metadata: ["server": "\(Community.server(ofMatrixUser: me))"])
                        break
                    }
                    failures += 1
                    try? await clock.sleep(for: backoff.delay(afterFailures: failures))
                }
            }
            try? await gracefulShutdown()
        }
    }

    public func client() -> MatrixClient { MatrixClient(homeserver: homeserver, auth: auth) }

    /// Ready when the homeserver answers and accepts the bot's token (`whoami`), and this
    /// process's `/sync` loop, where it runs, is not failing again and again. `whoami` is
    /// shared by the probes that come together (`SharedCheck`).
    public func readinessCheck(client: MatrixClient) -> AdminListener.Check {
        let health = syncHealth
        let whoami = SharedCheck {
            do {
                _ = try await client.whoami()
                return nil
            } catch {
                return "whoami failed: \(error)"
            }
        }
        return AdminListener.Check(name: "matrix") {
            if let problem = await whoami.answer() { return problem }
            return health.problem
        }
    }

    public func transport(client: MatrixClient, logger: Logger) -> MatrixTransport {
        MatrixTransport(client: client, logger: logger)
    }

    /// The service that takes commands from Matrix into `engine`.
    /// `backlogRead` fires once the run's first sync is committed (`Scheduler.backlogRead`).
    public func inbound<Clock: IncidentClock>(client: MatrixClient, engine: Engine<Clock>, backlogRead: WakeSignal? = nil,
                                              logger: Logger) -> any Service {
        MatrixSync(client: client, engine: engine,
                   settings: .init(timeout: settings.syncTimeout, allowInvitesFrom: settings.allowInvitesFrom,
                                   timelineReaction: settings.timelineReaction), health: syncHealth, backlogRead: backlogRead, logger: logger)
    }
}
