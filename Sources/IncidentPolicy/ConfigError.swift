/// A config file that does not parse or does not make sense: where, and what is wrong.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is the file as a whole.
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `config/policy.yaml:42: ladders.engineering.levels[2].wait: ...`
    public var description: String { "\(file):\(line): \(reason)" }
}
