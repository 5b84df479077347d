import HummingbirdCore
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1 as every listener of the bot serves it: at most `connections.limit` connections
    /// at once (`ConnectionCap`), a connection answered before its request was read to the end
    /// closed (`UnreadRequestClose`), one that sends nothing for `idle` closed, and one whose
    /// answers go unread for `idle` closed, no more of its requests read meanwhile
    /// (`UnreadAnswersClose`).
    public static func guardedHTTP1(_ connections: OpenConnections, idle: Duration) -> HTTPServerBuilder {
        .http1(configuration: .init(additionalChannelHandlers: [ConnectionCap(connections), UnreadRequestClose(),
                                                                UnreadAnswersClose(limit: TimeAmount(idle))],
                                    idleTimeout: TimeAmount(idle)))
    }
}
