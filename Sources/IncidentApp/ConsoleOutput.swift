import Foundation
import IncidentCore
import Synchronization

/// Where the console writes: one line per message, each starting with its destination,
/// continuation lines indented by two spaces. Writes are whole lines, never interleaved.
public final class ConsoleOutput: Sendable {
    private let write: @Sendable (String) -> Void
    private let lock = Mutex(())

    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Standard output, written line by line (no buffer to lose on a crash) so a pipe sees
    /// each one as it happens: straight to the file descriptor, without a `Data` a line.
    public static let standardOutput = ConsoleOutput { text in
        var text = text
        text.withUTF8 { bytes in
            var done = 0
            while done < bytes.count, let start = bytes.baseAddress {
                let written = Foundation.write(STDOUT_FILENO, start + done, bytes.count - done)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }  // Closed: nothing more to do.
                done += written
            }
        }
    }

    /// `[destination] speaker: first line` then the other lines indented.
    public func message(_ destination: String, _ speaker: String, _ text: String) {
        var out = Array("[\(destination)] \(speaker): ".utf8)
        out.reserveCapacity(out.count + text.utf8.count + 16)
        for byte in text.utf8 {
            out.append(byte)
            if byte == UInt8(ascii: "\n") { out.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: " ")]) }
        }
        out.append(UInt8(ascii: "\n"))
        emit(String(decoding: out, as: UTF8.self))
    }

    /// A line of its own, as is.
    public func line(_ text: String) {
        emit(text + "\n")
    }

    private func emit(_ text: String) {
        lock.withLock { _ in write(text) }
    }
}

extension Message {
    /// The message as console text: mentions as `@key`, user text with broadcast mentions defused.
    var consoleText: String { plainText() }
}
