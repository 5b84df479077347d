import IncidentCore

/// A config file that does not parse or does not make sense: where, and what is wrong.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is the file as a whole.
    public var line: Int
    public var reason: String

    /// The reason is kept to one line whatever it quotes from the file: line breaks and other
    /// control characters show as `\n`-style escapes, and it is cut at `reasonLimit` characters.
    /// A Slack or Matrix token it would quote (pasted where a setting was meant:
    /// `enabled: xoxb-…`) is not shown.
    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = Self.oneLine(Self.withoutTokens(reason))
    }

    /// `text` with Slack's tokens (`xoxb-`, `xoxp-`, `xapp-`, ...) and Matrix access tokens
    /// (`syt_`) replaced by `<a token, not shown>`, whatever case the config's reading gave them.
    static func withoutTokens(_ text: String) -> String {
        text.replacing(#/(?i)\b(xox[a-z]|xapp)-[A-Za-z0-9-]+|\bsyt_[A-Za-z0-9_]+/#, with: "<a token, not shown>")
    }

    static let reasonLimit = 300

    static func oneLine(_ text: String) -> String {
        let out = text.escapedToOneLine
        return out.count <= reasonLimit ? out : String(out.prefix(reasonLimit - 1)) + "…"
    }

    /// `config/policy.yaml:42: ladders.engineering.levels[2].wait: ...`; `config/policy.yaml: ...`
    /// for the file as a whole.
    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}
