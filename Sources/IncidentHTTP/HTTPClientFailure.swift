import AsyncHTTPClient

/// One line for why a call through the HTTP client failed, for logs, `/readyz` and the outbox's
/// last error. A header the client refuses is named without its value: the value may be a
/// token (`Authorization: Bearer ...` from a token file with a second line in it).
public enum HTTPClientFailure {
    public static func describe(_ error: any Error) -> String {
        if let tls = NetworkFailure.reason(error) { return tls }
        guard let error = error as? HTTPClientError else { return String(describing: error) }
        if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timed out" }
        // Said as a person reads it in the room and on the timeline, not by the client's name.
        if error == .remoteConnectionClosed { return "the connection was closed before an answer came" }
        if error == .alreadyShutdown { return "the HTTP client is shutting down" }
        let text = "\(error)"
        if text.hasPrefix("HTTPClientError.invalidHeaderField") {
            return "a request header the HTTP client refuses (its value is not shown: it may hold a secret)"
        }
        return text
    }
}
