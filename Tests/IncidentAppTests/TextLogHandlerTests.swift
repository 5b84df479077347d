@testable import IncidentApp
import Logging
import Synchronization
import Testing

/// The default text log: the logger's metadata, kept as it is set, is on every line written,
/// next to the line's own, and nothing is written under the level.
@Suite struct TextLogHandlerTests {
    final class Lines: Sendable {
        let written = Mutex<[String]>([])
    }

    struct Capture: TextOutputStream, Sendable {
        let lines: Lines
        mutating func write(_ string: String) { lines.written.withLock { $0.append(string) } }
    }

    /// A logger at `info` writing to `lines`.
    static func logger(into lines: Lines) -> Logger {
        var handler = TextLogHandler(label: "incident-bot", stream: Capture(lines: lines))
        handler.logLevel = .info
        let configured = handler
        return Logger(label: "incident-bot", factory: { _ in configured })
    }

    @Test func metadataSetOnTheLoggerIsWrittenWithEachLine() {
        let lines = Lines()
        var logger = Self.logger(into: lines)
        logger[metadataKey: "outbox.key"] = "E1-3"
        logger[metadataKey: "method"] = "slack"
        #expect(logger[metadataKey: "method"] == "slack")

        logger.debug("not written")
        logger.warning("delivery failed; will retry", metadata: ["reason": "rate limited", "method": "sms"])
        logger[metadataKey: "method"] = nil
        logger.info("plain")

        let written = lines.written.withLock { $0 }
        #expect(written.count == 2, "\(written)")
        // The line's own metadata wins where both name a key; keys come sorted.
        #expect(written.first?.contains("warning incident-bot: method=sms outbox.key=E1-3 reason=rate limited [IncidentAppTests] delivery failed; will retry") == true,
                "\(written)")
        #expect(written.last?.contains("info incident-bot: outbox.key=E1-3 [IncidentAppTests] plain") == true, "\(written)")
    }

    /// A provider's answer quoted in a line cannot write a line of its own, nor a NUL.
    @Test func whateverALineQuotesItStaysOneLine() {
        let lines = Lines()
        let logger = Self.logger(into: lines)
        let answer = "oops\n2026-12-03T08:00:00+0000 critical incident-bot: paged everyone\u{0}"
        logger.warning("delivery failed: \(answer)", metadata: ["reason": "\(answer)", "list": ["a\nb"]])
        let written = lines.written.withLock { $0 }
        #expect(written.count == 1)
        #expect(written.first?.dropLast().contains("\n") == false, "\(written)")
        #expect(written.first?.contains("\u{0}") == false)
        #expect(written.first?.contains(#"oops\n2026-12-03T08:00:00+0000 critical"#) == true, "\(written)")
    }
}
