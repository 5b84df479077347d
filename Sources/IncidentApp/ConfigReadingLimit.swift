import Foundation
import IncidentCore
import IncidentPolicy

/// How long reading one config file may take: a real one takes milliseconds.
///
/// Aliases nested as a mapping's key (`? [*a9]`, each `*aN` ten of the one below) cost the
/// YAML library time exponential in their depth, in its check for duplicate keys, before any
/// check of ours could see them: a 457-byte file never finished, and every command that reads
/// the config hung without a word. The file is read on a thread of its own; past the limit it
/// is refused. The thread left behind goes on until it ends or the process does, which is
/// refusing to start.
public enum ConfigReadingLimit {
    public static let limit: Duration = .seconds(10)

    public static func read<Value: Sendable>(_ file: String, within limit: Duration = limit,
                                             _ body: @escaping @Sendable () throws(ConfigError) -> Value) throws(ConfigError) -> Value {
        let reading = Reading<Value>()
        let thread = Thread {
            reading.result = Result { () throws(ConfigError) in try body() }
            reading.done.signal()
        }
        thread.stackSize = 8 << 20  // the main thread's: deep nesting reads as it would there
        thread.start()
        let milliseconds = limit.components.seconds * 1_000 + limit.components.attoseconds / 1_000_000_000_000_000
        guard reading.done.wait(timeout: .now() + .milliseconds(Int(milliseconds))) == .success, let result = reading.result else {
            throw ConfigError(file: file, line: 0,
                              reason: "reading it as YAML took longer than \(DurationText.format(limit)), where a real config takes "
                                  + "milliseconds; the usual cause is anchors and aliases nested many levels deep (*a inside *b "
                                  + "inside …), which make a small file take years")
        }
        return try result.get()
    }

    private final class Reading<Value: Sendable>: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        /// Written once before `done` is signalled, read only after it was.
        var result: Result<Value, ConfigError>?
    }
}
