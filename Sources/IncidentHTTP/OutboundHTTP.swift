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

    /// Slack's Web API and the Matrix homeserver: redirects as the shared client follows them.
    public static let chat = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = connectTimeout
        return configuration
    }(), backgroundActivityLogger: Logger(label: "incident-bot.chat", factory: { _ in SwiftLogNoOpLogHandler() }))
}
