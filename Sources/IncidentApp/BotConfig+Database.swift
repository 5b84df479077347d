import IncidentPolicy

extension BotConfig {
    /// The `database:` section.
    public struct DatabaseSettings: Sendable {
        /// `url:`; nil: not set, so `--db` or its default (`./incident-bot.sqlite`) says.
        public var location: DatabaseLocation?
        /// `takeover:` on PostgreSQL: how long the leader's lease runs without renewal, so how
        /// soon a standby takes over from a leader that died or hung.
        public var takeover: Duration = .seconds(10)
    }

    static func loadDatabase(_ node: ConfigNode, resolve: (String) -> String) throws(ConfigError) -> DatabaseSettings {
        let map = try node.mapping(keys: ["url", "takeover"])
        var settings = DatabaseSettings()
        if let url = map.optional("url") {
            let text = try url.string()
            do {
                settings.location = try DatabaseLocation.parse(text, resolve: resolve)
            } catch {
                throw url.error("\(error)")
            }
        }
        if let takeover = map.optional("takeover") {
            let duration = try takeover.duration()!
            guard duration >= .seconds(3), duration <= .minutes(5) else {
                throw takeover.error("takeover is between 3s and 5m: shorter and a slow database round trip deposes a healthy "
                                     + "leader, longer and nobody is paged meanwhile")
            }
            settings.takeover = duration
        }
        return settings
    }
}
