import IncidentPolicy

extension BotConfig {
    /// The `admin:` section: the admin listener of `incident-bot serve`, with `/healthz`,
    /// `/readyz` and `/metrics`. On the loopback interface by default: what it tells is for the
    /// host's own probes and scraper, not for the world.
    public struct AdminSettings: Sendable {
        /// nil: no admin listener (`listen: off`).
        public var host: String? = "127.0.0.1"
        /// 0 picks a free port (tests); the bound port is logged.
        public var port = 9090
    }

    static func loadAdmin(_ node: ConfigNode) throws(ConfigError) -> AdminSettings {
        let map = try node.mapping(keys: ["listen"])
        var admin = AdminSettings()
        if let listen = map.optional("listen") {
            if try listen.string() == "off" {
                admin.host = nil
            } else {
                let (host, port) = try address(listen)
                admin.host = host
                admin.port = port
            }
        }
        return admin
    }
}
