import AsyncHTTPClient
import IncidentHTTP
import Testing

/// What a failed call says, in the log, `/readyz` and the outbox's last error.
@Suite struct HTTPClientFailureTests {
    /// A header the client refuses is named without its value, which may be a token: a token
    /// file with a second line once showed `Bearer xoxb-...` in full on `/readyz`.
    @Test func aRefusedHeaderIsNotShown() {
        let refused = HTTPClientFailure.describe(HTTPClientError.invalidHeaderFieldValues(["Bearer xoxb-FILESEKRIT\nx"]))
        #expect(!refused.contains("SEKRIT") && refused.contains("not shown"), "\(refused)")
        #expect(HTTPClientFailure.describe(HTTPClientError.deadlineExceeded) == "timed out")
    }

    /// A provider that resets the connection: the room read "Twilio cannot be reached:
    /// HTTPClientError.remoteConnectionClosed".
    @Test func aClosedConnectionIsSaidInWords() {
        #expect(HTTPClientFailure.describe(HTTPClientError.remoteConnectionClosed) == "the connection was closed before an answer came")
    }
}
