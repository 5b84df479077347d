import IncidentHTTP
import Logging
import Synchronization
import Testing

/// The HTTP server's lines as the process stops are not errors to alert on.
@Suite struct ServerStopLogsTests {
    final class Recorder: LogHandler, @unchecked Sendable {
        let lines = Mutex<[String]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { lines.withLock { $0.append("\(event.level) \(event.message)") } }
    }

    @Test func theServersStopLinesAreNoticesAndOtherErrorsStayErrors() {
        let recorder = Recorder()
        let logger = ServerStopLogs.logger(Logger(label: "test", factory: { _ in recorder }))
        logger.error("Waiting on child channel: CancellationError()")
        logger.error("Server shutdown error: Already closed")
        logger.error("Server shutdown error: something else")
        logger.debug("not logged at info")
        #expect(recorder.lines.withLock { $0 } == ["notice Waiting on child channel: CancellationError()",
                                                  "notice Server shutdown error: Already closed",
                                                  "error Server shutdown error: something else"])
    }
}
