import AsyncHTTPClient
import NIOCore
import Logging

/// The HTTP clients the bot calls out with. A platform that refuses connections (down, or
/// restarting) fails an attempt within `connectTimeout`: the client tries to connect again
/// with backoff only that long, where with AsyncHTTPClient's shared client an attempt waited
/// for the whole request's deadline (10 s), so a lane of Slack messages took ten seconds an
/// attempt while Slack was down, and a page on it as long before it failed over. The time
/// covers the name lookup and the TLS handshake too, so it leaves room for one lost DNS
/// packet's retry. Delivery's own backoff retries after that.
public enum OutboundHTTP {
    public static let connectTimeout: TimeAmount = .seconds(6)

    /// `response`'s body, up to `limit` bytes, read by `deadline`, the end of the call's own
    /// time limit. AsyncHTTPClient's deadline ends with the answer's head and its read timeout
    /// restarts with every byte, so a provider that answered 500 and then sent a byte a second
    /// held a page's lane for good: never failed over, never logged. The limit now covers the
    /// whole answer.
    public static func body(of response: HTTPClientResponse, upTo limit: Int, by deadline: ContinuousClock.Instant)
        async throws -> ByteBuffer {
        let body = response.body
        // A head that came at the very end of the limit still has a moment for its body.
        let end = max(deadline, .now + .seconds(1))
        return try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
            group.addTask { try await body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(until: end)
                throw SlowBody()
            }
            // The first to finish decides; the other is stopped (a body left unread closes its
            // connection), and a caller cancelled stops both.
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// An answer whose body did not arrive within the call's time limit.
    public struct SlowBody: Error, CustomStringConvertible {
        public var description: String { "timed out reading the answer" }
    }

    /// Slack's Web API and the Matrix homeserver: redirects as the shared client follows them.
    public static let chat = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = connectTimeout
        return configuration
    }(), backgroundActivityLogger: Logger(label: "incident-bot.chat", factory: { _ in SwiftLogNoOpLogHandler() }))
}
