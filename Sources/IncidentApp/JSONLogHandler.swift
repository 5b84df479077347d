import Foundation
import Logging

/// `log_format: json`: one JSON object a line on standard error, for a log pipeline to read
/// without parsing prose. The time (UTC, milliseconds), the level, the logger's label and the
/// message, then every metadata key as a field of its own (nested metadata as JSON).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                    function: String, line: UInt) {
        var object: [String: Any] = [:]
        for (key, value) in self.metadata.merging(metadata ?? [:], uniquingKeysWith: { _, call in call }) {
            object[key] = Self.json(value)
        }
        object["time"] = Self.timestamp(Date())
        object["level"] = level.rawValue
        object["label"] = label
        object["message"] = message.description
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static let lock = NSLock()

    /// Whole lines, one process-wide lock: lines from different threads never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
