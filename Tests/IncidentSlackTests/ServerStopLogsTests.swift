import IncidentHTTP
import IncidentTesting
import Logging
import Synchronization
import Testing

/// The HTTP server's lines as the process stops are not errors to alert on.
@Suite struct ServerStopLogsTests {
    @Test func theServersStopLinesAreNoticesAndOtherErrorsStayErrors() {
        let recorder = LogRecorder()
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
