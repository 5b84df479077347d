import Foundation
import IncidentCore
import IncidentEngine
import IncidentPaging
import IncidentWire
import Logging

/// The pager methods and acknowledge links for `serve`, from `paging:`, `http.public_url` and
/// the environment: `SMTP_USERNAME` / `SMTP_PASSWORD`, `TWILIO_AUTH_TOKEN`,
/// `PAGERDUTY_WEBHOOK_SECRET`, each roster person's PagerDuty routing key (the variable the
/// roster names), `WEBHOOK_SIGNING_SECRET` and `INCIDENT_BOT_LINK_SECRET` (each may be
/// `NAME_FILE`). Without a link secret in the environment, one is made once and kept
/// beside the database (`<database>.link-secret`, mode 0600), so links in mails sent before a
/// restart still work after it.
public struct PagingSetup: Sendable {
    public var links: AckLinks?
    public var email: BotConfig.EmailSettings?
    var smtpUsername: Secret?
    var smtpPassword: Secret?
    var settings: BotConfig.PagingSettings
    var http: BotConfig.HTTPSettings
    /// PagerDuty routing keys by the variable the roster names.
    var routingKeys: [String: Secret] = [:]
    var pagerDutyWebhookSecrets: [Secret] = []
    var twilioToken: Secret?
    /// `TWILIO_SECONDARY_AUTH_TOKEN`: callbacks signed with it are taken too, while the auth
    /// token is rotated.
    var twilioSecondaryToken: Secret?
    var webhookSecret: Secret?
    var environment: [String: String]

    /// `makingLinkSecret`: false for `check-config`, which checks a kept or given secret but
    /// makes none (serve makes one beside a SQLite database on its first start).
    public static func load(_ loaded: LoadedConfig, environment: [String: String], linkSecretFile: String?,
                            makingLinkSecret: Bool = true) throws -> PagingSetup {
        let config = loaded.config
        // Read again as the transports are made (`transports`): refused here, at start.
        for name in ["PAGERDUTY_EVENTS_URL", "TWILIO_API_URL"] { _ = try BotConfig.environmentURL(name, environment) }
        var setup = PagingSetup(links: nil, email: config.paging.email, settings: config.paging, http: config.http, environment: environment)
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
        if config.paging.pagerduty != nil {
            let named = loaded.roster.people.values.sorted { $0.id < $1.id }.compactMap { person in
                person.addresses[.pagerduty].map { ($0, "\(person.id.handle)") }
            } + loaded.roster.levelAddresses.sorted { $0.key.description < $1.key.description }.compactMap { level, addresses in
                addresses[.pagerduty].map { ($0, "\(level)") }
            }
            let eventsURL = environment["PAGERDUTY_EVENTS_URL"].flatMap(\.nonEmpty) ?? config.paging.pagerduty?.eventsURL ?? ""
            let host = eventsURL.split(separator: "/").dropFirst().first.map { $0.split(separator: ":").first.map(String.init) ?? "" } ?? ""
            let sendsToPagerDuty = host == "pagerduty.com" || host.hasSuffix(".pagerduty.com")
            for (variable, whose) in named where setup.routingKeys[variable] == nil {
                guard let key = try Secrets.read(variable, environment) else {
                    throw StartupError("\(variable) is not set: the roster pages \(whose) by PagerDuty with the routing key it holds")
                }
                // An Events API v2 integration key is 32 letters and digits: anything else
                // is refused at start, not at the first page (PagerDuty answers 400 then).
                // A receiver other than PagerDuty's own may key its routes otherwise.
                let isRoutingKey = key.value.utf8.count == 32
                    && key.value.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
                guard !sendsToPagerDuty || isRoutingKey else {
                    throw StartupError("\(variable) does not hold a PagerDuty routing key (an integration key is 32 letters and digits; its value is not shown)")
                }
                setup.routingKeys[variable] = key
            }
            // Several secrets, comma-separated, while a subscription's secret is rotated.
            // Empty parts are dropped: an empty key would let anyone sign.
            setup.pagerDutyWebhookSecrets = (try Secrets.read("PAGERDUTY_WEBHOOK_SECRET", environment))
                .map { $0.value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map(Secret.init) } ?? []
        }
        if config.paging.twilio != nil {
            guard let token = try Secrets.read("TWILIO_AUTH_TOKEN", environment) else {
                throw StartupError("paging.twilio is enabled but TWILIO_AUTH_TOKEN (or TWILIO_AUTH_TOKEN_FILE) is not set")
            }
            setup.twilioToken = token
            setup.twilioSecondaryToken = try Secrets.read("TWILIO_SECONDARY_AUTH_TOKEN", environment)
        }
        if config.paging.webhook != nil {
            guard let secret = try Secrets.read("WEBHOOK_SIGNING_SECRET", environment) else {
                throw StartupError("paging.webhook is enabled but WEBHOOK_SIGNING_SECRET (at least 32 characters, or its _FILE) is not set")
            }
            guard secret.value.utf8.count >= 32 else {
                throw StartupError("WEBHOOK_SIGNING_SECRET is shorter than 32 characters; make one with: openssl rand -hex 32")
            }
            setup.webhookSecret = secret
        }
        // Last: a secret made here is written beside the database, which only a start that
        // passed every other check may do.
        if let publicURL = config.http.publicURL,
           let secret = try linkSecret(environment, file: linkSecretFile, making: makingLinkSecret) {
            setup.links = AckLinks(secret: secret, publicURL: publicURL, validity: config.http.ackLinkValidity)
        }
        return setup
    }

    /// At least 32 bytes: the key of every acknowledge link's HMAC.
    /// Without `file` (PostgreSQL) the secret must be given: every replica signs and checks
    /// the same links. `making`: false to check only (nothing made, nothing narrowed to 0600);
    /// nil then when serve would make the secret.
    static func linkSecret(_ environment: [String: String], file: String?, making: Bool = true) throws -> [UInt8]? {
        if let given = try Secrets.read("INCIDENT_BOT_LINK_SECRET", environment) {
            guard given.value.utf8.count >= 32 else {
                throw StartupError("INCIDENT_BOT_LINK_SECRET is shorter than 32 characters; make one with: openssl rand -hex 32")
            }
            return Array(given.value.utf8)
        }
        guard let file else {
            throw StartupError("on PostgreSQL, set INCIDENT_BOT_LINK_SECRET (openssl rand -hex 32), the same for every replica: "
                               + "each must check the acknowledge links the others signed")
        }
        // Something there that is no file (a symbolic link to nothing) can be neither read
        // nor replaced: serve would ask about it again and again.
        if !FileManager.default.fileExists(atPath: file), (try? FileManager.default.destinationOfSymbolicLink(atPath: file)) != nil {
            throw linkSecretInTheWay(file)
        }
        // A kept secret that cannot be read is an error, not a reason to make a new one: that
        // would break every link in mails already sent.
        if FileManager.default.fileExists(atPath: file) {
            guard let kept = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                  kept.utf8.count >= 32 else {
                throw StartupError("cannot read the acknowledge-link secret in \(file) (or it is shorter than 32 characters); "
                                   + "fix the file or set INCIDENT_BOT_LINK_SECRET")
            }
            if making { try PrivateFile.ensure(file) }
            return Array(kept.utf8)
        }
        guard making else { return nil }
        var generator = SystemRandomNumberGenerator()
        let made = Hex.string((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let created: Bool
        do {
            created = try PrivateFile.create(Array((made + "\n").utf8), at: file)
        } catch {
            throw StartupError("cannot keep the acknowledge-link secret in \(file): \(error); set INCIDENT_BOT_LINK_SECRET instead")
        }
        // Another start made it in the meantime (the database lock turns one of the two away
        // later): its secret stands, and this one reads it. Something there that does not
        // exist as a file (a symbolic link to nothing) would be asked about again and again.
        if created { return Array(made.utf8) }
        guard FileManager.default.fileExists(atPath: file) else { throw linkSecretInTheWay(file) }
        return try linkSecret(environment, file: file)
    }

    static func linkSecretInTheWay(_ file: String) -> StartupError {
        StartupError("\(file) is in the way of the acknowledge-link secret (a symbolic link to nothing?); "
                     + "remove it or set INCIDENT_BOT_LINK_SECRET")
    }

    /// The pager transports the config switches on.
    public func transports(now: @escaping @Sendable () -> Timestamp, logger: Logger) -> [any OutboxTransport] {
        var transports: [any OutboxTransport] = []
        if let email {
            let client = SMTPClient(settings: SMTPClient.Settings(host: email.host, port: email.port, security: email.security,
                                                                 heloName: SMTPClient.Settings.greeting(from: email.from), username: smtpUsername, password: smtpPassword, caFile: email.caFile))
            transports.append(EmailTransport(client: client, from: email.from, links: links, now: now, logger: logger))
        }
        if let pagerduty = settings.pagerduty {
            let url = environment["PAGERDUTY_EVENTS_URL"].flatMap(\.nonEmpty) ?? pagerduty.eventsURL
            transports.append(PagerDutyTransport(eventsURL: url, routingKeys: routingKeys, links: links, logger: logger))
        }
        if let twilio = settings.twilio, let twilioToken {
            let url = environment["TWILIO_API_URL"].flatMap(\.nonEmpty) ?? twilio.apiURL
            let methods: [ContactMethod] = (twilio.sms ? [.sms] : []) + (twilio.voice ? [.voice] : [])
            for method in methods {
                transports.append(TwilioTransport(method: method, apiURL: url, accountSID: twilio.accountSID, authToken: twilioToken,
                                                  from: twilio.from, links: links, logger: logger))
            }
        }
        if let webhook = settings.webhook, let webhookSecret {
            transports.append(WebhookTransport(url: webhook.url, secret: webhookSecret, links: links, now: now, logger: logger))
        }
        return transports
    }

    /// The acknowledge pages and the providers' callbacks on the HTTP listener: links need
    /// `http.public_url`, PagerDuty's webhook its secret, Twilio's callbacks both.
    public func routes<Clock: IncidentClock>(engine: Engine<Clock>, logger: Logger) -> [HTTPListener.Routes] {
        var routes: [HTTPListener.Routes] = []
        if let links { routes.append(AckPages(engine: engine, links: links, logger: logger).register) }
        if !pagerDutyWebhookSecrets.isEmpty {
            routes.append(PagerDutyWebhook(engine: engine, secrets: pagerDutyWebhookSecrets, routingKeys: routingKeys, maxBody: http.maxBody,
                                           readTimeout: http.readTimeout, logger: logger).register)
        }
        if let links, let twilioToken {
            let signature = TwilioSignature(authToken: twilioToken, also: twilioSecondaryToken.map { [$0] } ?? [])
            routes.append(TwilioWebhooks(engine: engine, signature: signature, links: links,
                                         maxBody: http.maxBody, readTimeout: http.readTimeout, logger: logger).register)
        }
        return routes
    }

    /// The methods whose pages take an answer where they land: mail, texts, calls, the team's
    /// webhook and PagerDuty through the bot's public address (their links, replies and
    /// keypresses; a PagerDuty event carries the link too), PagerDuty also through its webhook.
    public var answeredWhereTheyLand: Set<ContactMethod> {
        Self.answeredWhereTheyLand(publicURL: links != nil, pagerDutyWebhook: !pagerDutyWebhookSecrets.isEmpty)
    }

    /// `answeredWhereTheyLand` with a public address or none, and PagerDuty's webhook secret
    /// set or not.
    public static func answeredWhereTheyLand(publicURL: Bool, pagerDutyWebhook: Bool) -> Set<ContactMethod> {
        var methods: Set<ContactMethod> = []
        if publicURL { methods.formUnion([.email, .sms, .voice, .webhook, .pagerduty]) }
        if pagerDutyWebhook { methods.insert(.pagerduty) }
        return methods
    }

    /// What is switched on but cannot work fully, for a warning at start.
    public var warnings: [String] {
        var warnings: [String] = []
        if links == nil, settings.email != nil || settings.twilio != nil || settings.webhook != nil || settings.pagerduty != nil {
            warnings.append("http.public_url is not set: pages off chat carry no acknowledge link, calls take no keypress, and text replies are not read")
        }
        if settings.pagerduty != nil, pagerDutyWebhookSecrets.isEmpty {
            warnings.append("PAGERDUTY_WEBHOOK_SECRET is not set: acknowledging in PagerDuty does not reach the bot")
        }
        return warnings
    }
}
