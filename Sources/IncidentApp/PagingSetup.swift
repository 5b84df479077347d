import Foundation
import IncidentCore
import IncidentEngine
import IncidentPaging
import IncidentWire
import Logging

/// The pager methods and acknowledge links for `serve`, from `paging:`, `http.public_url` and
/// the environment: `SMTP_USERNAME` / `SMTP_PASSWORD`, and `INCIDENT_BOT_LINK_SECRET` (each
/// may be `NAME_FILE`). Without a link secret in the environment, one is made once and kept
/// beside the database (`<database>.link-secret`, mode 0600), so links in mails sent before a
/// restart still work after it.
public struct PagingSetup: Sendable {
    public var links: AckLinks?
    public var email: BotConfig.EmailSettings?
    var smtpUsername: Secret?
    var smtpPassword: Secret?

    public static func load(_ config: BotConfig, environment: [String: String], linkSecretFile: String) throws -> PagingSetup {
        var setup = PagingSetup(links: nil, email: config.paging.email)
        if let publicURL = config.http.publicURL {
            setup.links = AckLinks(secret: try linkSecret(environment, file: linkSecretFile), publicURL: publicURL,
                                   validity: config.http.ackLinkValidity)
        }
        if let email = config.paging.email {
            let username = try Secrets.read("SMTP_USERNAME", environment)
            let password = try Secrets.read("SMTP_PASSWORD", environment)
            guard (username == nil) == (password == nil) else {
                throw StartupError("set both SMTP_USERNAME and SMTP_PASSWORD, or neither (a relay that takes mail without logging in)")
            }
            if username != nil, email.security == .none {
                throw StartupError("paging.email.security is none but SMTP credentials are set: they would cross the network in the clear; "
                                   + "use starttls or tls")
            }
            setup.smtpUsername = username
            setup.smtpPassword = password
        }
        return setup
    }

    /// At least 32 bytes: the key of every acknowledge link's HMAC.
    static func linkSecret(_ environment: [String: String], file: String) throws -> [UInt8] {
        if let given = try Secrets.read("INCIDENT_BOT_LINK_SECRET", environment) {
            guard given.value.utf8.count >= 32 else {
                throw StartupError("INCIDENT_BOT_LINK_SECRET is shorter than 32 characters; make one with: openssl rand -hex 32")
            }
            return Array(given.value.utf8)
        }
        if let kept = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           kept.utf8.count >= 32 {
            try PrivateFile.ensure(file)
            return Array(kept.utf8)
        }
        var generator = SystemRandomNumberGenerator()
        let made = Hex.string((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        do {
            try PrivateFile.write(Array((made + "\n").utf8), to: file)
        } catch {
            throw StartupError("cannot keep the acknowledge-link secret in \(file): \(error); set INCIDENT_BOT_LINK_SECRET instead")
        }
        return Array(made.utf8)
    }

    /// The pager transports the config switches on.
    public func transports(now: @escaping @Sendable () -> Timestamp, logger: Logger) -> [any OutboxTransport] {
        var transports: [any OutboxTransport] = []
        if let email {
            let client = SMTPClient(settings: SMTPClient.Settings(host: email.host, port: email.port, security: email.security,
                                                                 username: smtpUsername, password: smtpPassword, caFile: email.caFile))
            transports.append(EmailTransport(client: client, from: email.from, links: links, now: now, logger: logger))
        }
        return transports
    }

    /// The acknowledge pages on the HTTP listener, when links are on.
    public func routes<Clock: IncidentClock>(engine: Engine<Clock>, logger: Logger) -> [HTTPListener.Routes] {
        guard let links else { return [] }
        return [AckPages(engine: engine, links: links, logger: logger).register]
    }
}
