import IncidentCore
import Logging

/// The default text log on standard error: swift-log's `StreamLogHandler` lines, with the
/// logger's metadata kept as it is set and rendered only when a line is written.
/// `StreamLogHandler` renders its metadata again on every set, and every request sets some
/// (Hummingbird its request id, delivery the item it sends) though at the usual levels almost
/// none is written. The logger's metadata goes to `StreamLogHandler` with each line's own,
/// which wins where both name a key (a metadata provider, which the bot does not set, would
/// no longer override the logger's metadata).
public struct TextLogHandler: LogHandler {
    private var lines: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public init(label: String) {
        lines = StreamLogHandler.standardError(label: label)
    }

    /// Lines to `stream` instead of standard error (for tests).
    init(label: String, stream: any TextOutputStream & Sendable) {
        lines = StreamLogHandler(label: label, stream: stream, metadataProvider: nil)
    }

    public var logLevel: Logger.Level {
        get { lines.logLevel }
        set { lines.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Each event is one line, whatever it quotes: a provider's answer with a line break in it
    /// wrote a forged `critical` line of its own, and a NUL made the log binary to grep.
    public func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: "\(event.message)".escapedToOneLine)
        event.metadata = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, line in line }).mapValues(Self.oneLine)
        lines.log(event: event)
    }

    static func oneLine(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(text.escapedToOneLine)
        case .stringConvertible(let convertible): .string(convertible.description.escapedToOneLine)
        case .array(let values): .array(values.map(oneLine))
        case .dictionary(let values): .dictionary(values.mapValues(oneLine))
        }
    }
}
