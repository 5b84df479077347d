import Logging
import Synchronization

/// A log handler that keeps each line as `level message`, for tests of what is logged.
public final class LogRecorder: LogHandler, @unchecked Sendable {
    public let lines = Mutex<[String]>([])
    /// Each line's own metadata, in the order of `lines`.
    public let metadataOfLines = Mutex<[Logger.Metadata]>([])
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.level) \(event.message)") }
        metadataOfLines.withLock { $0.append(event.metadata ?? [:]) }
    }

    /// A logger writing here.
    public var logger: Logger { Logger(label: "test") { _ in self } }
}
