import IncidentCore
import IncidentPolicy

extension BotConfig {
    /// An http(s) URL of the config (a provider's, the homeserver, Slack's Web API, the bot's
    /// own public address), without spaces, nor `?` and `#` when `query` is false, and without
    /// credentials in it (`https://user:password@host`): a secret comes from the environment or
    /// a file, and a URL is logged (a debug log printed Slack's twelve times). A refusal for
    /// credentials does not repeat the URL.
    static func httpURL(_ node: ConfigNode, _ key: String, example: String, is what: String = "an http(s) URL",
                        query: Bool = true) throws(ConfigError) -> String {
        let text = try node.string()
        if URLCredentials.carried(by: text) {
            throw node.error("\(key) \(URLCredentials.refused); give the address alone, "
                + "such as \(example): secrets come from the environment or a file, and the URL is not shown here")
        }
        guard isHTTPURL(text, query: query) else {
            throw node.error("\(key) is \(what) such as \(example), not “\(text)”")
        }
        return text
    }

    /// The URL the environment variable `name` sets over the config's (`SLACK_API_URL`,
    /// `MATRIX_HOMESERVER`, ...), nil when unset or empty; held to the config's rule: refused
    /// with credentials in it, without repeating it, and refused when it is no http(s) URL
    /// (`SLACK_API_URL=slack.com/api` started a bot whose every call then failed, and pages sat
    /// in retries before they failed over).
    static func environmentURL(_ name: String, _ environment: [String: String]) throws -> String? {
        guard let url = environment[name].flatMap(\.nonEmpty) else { return nil }
        guard !URLCredentials.carried(by: url) else {
            throw StartupError("\(name) \(URLCredentials.refused); give the address alone: secrets come "
                               + "from the environment or a file (the URL is not shown here)")
        }
        guard isHTTPURL(url) else {
            throw StartupError("\(name) is an http(s) URL such as https://example.org/, not “\(url)”")
        }
        return url
    }

    /// Whether `text` is an http(s) URL with a host (an IPv6 address in whole brackets),
    /// without spaces (nor `?` and `#` when `query` is false): the one rule for the config's
    /// URLs and the environment's. `SLACK_API_URL=https://[x` started a bot whose every call
    /// failed.
    static func isHTTPURL(_ text: String, query: Bool = true) -> Bool {
        guard text.hasPrefix("https://") || text.hasPrefix("http://"), let authority = URLCredentials.authority(of: text) else { return false }
        let host = authority.hasPrefix("[") ? (authority.contains("]") ? authority : "") : authority.prefix { $0 != ":" }
        return !host.isEmpty && !text.contains { $0.isWhitespace || !query && ($0 == "?" || $0 == "#") }
    }
}
