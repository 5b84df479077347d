import IncidentPolicy

extension BotConfig {
    /// The `http:` section: the bot's one HTTP listener, for the Slack endpoint, the
    /// acknowledge pages and provider webhooks alike.
    public struct HTTPSettings: Sendable {
        public var host = "0.0.0.0"
        /// 0 picks a free port (tests); the bound port is logged.
        public var port = 3000
        /// How people reach the listener (`https://incident-bot.example.org`): links in pages
        /// that leave chat start with it. nil: pages carry no acknowledge link.
        public var publicURL: String?
        public var maxBody = 1 << 20
        /// How long a request may take to arrive; a slower client is cut off.
        public var readTimeout: Duration = .seconds(10)
        /// The most connections held at once; past it a new one is closed as it opens, so a
        /// flood cannot use up the file descriptors delivery needs (`ConnectionCap`).
        public var maxConnections = 1_000
        /// How long an acknowledge link works after its page was queued.
        public var ackLinkValidity: Duration = .hours(24)
    }

    static let httpKeys = ["listen", "public_url", "max_body", "read_timeout", "max_connections", "ack_link_valid_for"]

    static func loadHTTP(_ node: ConfigNode) throws(ConfigError) -> HTTPSettings {
        let map = try node.mapping(keys: httpKeys)
        var http = HTTPSettings()
        if let listen = map.optional("listen") { (http.host, http.port) = try address(listen) }
        if let url = map.optional("public_url") {
            if try !url.string(allowEmpty: true).isEmpty {
                http.publicURL = try httpURL(url, "public_url", example: "https://incident-bot.example.org",
                                             is: "the http(s) address people reach the bot at,", query: false)
            }
        }
        if let limit = map.optional("max_body") { http.maxBody = try limit.int(min: 1_024) }
        if let timeout = map.optional("read_timeout") {
            let value = try timeout.duration()!
            guard value >= .seconds(1), value <= .seconds(60) else {
                throw timeout.error("read_timeout is between 1s and 60s; Slack sends a request at once and waits 3s for the answer")
            }
            http.readTimeout = value
        }
        if let cap = map.optional("max_connections") { http.maxConnections = try cap.int(min: 16) }
        if let validity = map.optional("ack_link_valid_for") {
            let value = try validity.duration()!
            guard value >= .minutes(5), value <= .days(7) else {
                throw validity.error("ack_link_valid_for is between 5m and 7d")
            }
            http.ackLinkValidity = value
        }
        return http
    }
}
