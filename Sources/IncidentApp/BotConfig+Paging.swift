import IncidentCore
import IncidentEngine
import IncidentPaging
import IncidentPolicy
import IncidentTLS

extension BotConfig {
    /// The `paging:` section: the methods that reach people off chat. Their secrets come from
    /// the environment (`SMTP_USERNAME`, `SMTP_PASSWORD`, `TWILIO_AUTH_TOKEN`,
    /// `PAGERDUTY_WEBHOOK_SECRET`, `WEBHOOK_SIGNING_SECRET`, the routing keys the roster names;
    /// each also `_FILE`).
    public struct PagingSettings: Sendable {
        public var email: EmailSettings?
        public var pagerduty: PagerDutySettings?
        public var twilio: TwilioSettings?
        public var webhook: WebhookSettings?

        /// The pager methods switched on (their secrets are checked at `serve`, not here).
        public var methods: Set<ContactMethod> {
            var methods: Set<ContactMethod> = []
            if email != nil { methods.insert(.email) }
            if pagerduty != nil { methods.insert(.pagerduty) }
            if let twilio {
                if twilio.sms { methods.insert(.sms) }
                if twilio.voice { methods.insert(.voice) }
            }
            if webhook != nil { methods.insert(.webhook) }
            return methods
        }
    }

    /// `paging.pagerduty`: the Events API v2.
    public struct PagerDutySettings: Sendable {
        public var eventsURL = "https://events.pagerduty.com/v2/enqueue"
    }

    /// `paging.twilio`: texts and calls.
    public struct TwilioSettings: Sendable {
        public var accountSID: String
        /// The number pages come from, E.164.
        public var from: String
        public var apiURL = "https://api.twilio.com"
        public var sms = true
        public var voice = true
    }

    /// `paging.webhook`: a signed JSON POST to the team's own endpoint.
    public struct WebhookSettings: Sendable {
        public var url: String
    }

    /// `paging.email`: mail over SMTP.
    public struct EmailSettings: Sendable {
        public var host: String
        public var port: Int
        public var security: SMTPClient.Security
        /// The sender address.
        public var from: String
        /// PEM file of a private certificate authority for the relay; nil: the system's.
        public var caFile: String?
    }

    static let pagingKeys = ["email", "pagerduty", "twilio", "webhook"]
    static let pagerDutyKeys = ["enabled", "events_url"]
    static let twilioKeys = ["enabled", "account_sid", "from", "api_url", "sms", "voice"]
    static let webhookKeys = ["enabled", "url"]
    static let emailKeys = ["enabled", "host", "port", "security", "from", "ca_file"]

    static func loadPaging(_ node: ConfigNode, resolve: (String) -> String) throws(ConfigError) -> PagingSettings {
        let map = try node.mapping(keys: pagingKeys)
        var paging = PagingSettings()
        if let node = map.optional("pagerduty") {
            let map = try node.mapping(keys: pagerDutyKeys)
            if let enabled = map.optional("enabled"), try enabled.bool() {
                var settings = PagerDutySettings()
                if let url = map.optional("events_url") { settings.eventsURL = try httpURL(url, "events_url", example: settings.eventsURL) }
                paging.pagerduty = settings
            }
        }
        if let node = map.optional("twilio") {
            let map = try node.mapping(keys: twilioKeys)
            if let enabled = map.optional("enabled"), try enabled.bool() {
                let sidNode = try map.required("account_sid")
                let sid = try sidNode.string()
                guard sid.hasPrefix("AC"), sid.count == 34, sid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    // Not repeated: it may be the auth token, pasted one line up.
                    throw sidNode.error("account_sid is the Twilio Account SID, AC followed by 32 characters (what is written there is not repeated: it may be the auth token)")
                }
                let fromNode = try map.required("from")
                let from = try fromNode.string()
                guard ContactAddress.isValid(from, for: .sms) else {
                    throw fromNode.error("from is the Twilio number pages come from, in E.164 form like +15550100000, not “\(from)”")
                }
                var settings = TwilioSettings(accountSID: sid, from: from)
                if let url = map.optional("api_url") { settings.apiURL = try httpURL(url, "api_url", example: settings.apiURL) }
                if let sms = map.optional("sms") { settings.sms = try sms.bool() }
                if let voice = map.optional("voice") { settings.voice = try voice.bool() }
                guard settings.sms || settings.voice else { throw node.error("twilio is enabled with neither sms nor voice") }
                paging.twilio = settings
            }
        }
        if let node = map.optional("webhook") {
            let map = try node.mapping(keys: webhookKeys)
            if let enabled = map.optional("enabled"), try enabled.bool() {
                paging.webhook = WebhookSettings(url: try httpURL(try map.required("url"), "url", example: "https://pager.example.org/incident-bot"))
            }
        }
        if let node = map.optional("email") {
            let email = try node.mapping(keys: emailKeys)
            guard let enabled = email.optional("enabled"), try enabled.bool() else { return paging }
            let host = try email.required("host").string()
            guard !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == ":" && !host.hasPrefix("[") }) else {
                throw try email.required("host").error("host is the SMTP server's name or address, such as smtp.example.org, not “\(host)”")
            }
            let securityNode = email.optional("security")
            let securityText = try securityNode?.string() ?? "starttls"
            guard let security = SMTPClient.Security(rawValue: securityText) else {
                throw securityNode!.error("security is starttls, tls or none, not “\(securityText)”")
            }
            let defaultPort = security == .tls ? 465 : 587
            let port = try email.optional("port")?.int(min: 1) ?? defaultPort
            guard port <= 65_535 else { throw try email.required("port").error("port is 1 to 65535") }
            let fromNode = try email.required("from")
            let from = try fromNode.string()
            guard ContactAddress.isValid(from, for: .email) else {
                throw fromNode.error("from is the sender's mail address, such as incident-bot@example.org, not “\(from)”")
            }
            // Read now, with the config, not at the first page by mail: a certificate file that
            // is missing or not PEM fails every mail page, at 3 a.m., under a message about
            // credentials. A setting of this file, so refused at its line: check-config called
            // it a problem of the environment and said the config was ok.
            var caFile: String?
            if let node = email.optional("ca_file"), let path = try node.string(allowEmpty: true).nonEmpty.map(resolve) {
                do {
                    try TrustRoots.check(path)
                } catch {
                    throw node.error("ca_file \(path): \(error)")
                }
                caFile = path
            }
            paging.email = EmailSettings(host: host, port: port, security: security, from: from, caFile: caFile)
        }
        return paging
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension BotConfig {
    /// The HTTP listener's own routes (operations.md, The HTTP listener); one ending in `/`
    /// takes a token after it. `slack.path` may be none of them, nor under one.
    static var listenerOwnRoutes: [String] {
        ["/healthz", AckLinks.path, TwilioPaths.sms, TwilioPaths.voice, TwilioPaths.callStatus, TwilioPaths.messageStatus, PagerDutyWebhook<LiveClock>.path]
    }
}
