import NIOCore
import NIOHTTPTypes

/// Closes a connection whose answer went out before its request was read to the end: a body
/// refused as too large (413, unread) or too slow (408), or one a route did not read.
/// Hummingbird would otherwise read the rest and throw it away before the next request, for as
/// long as the client keeps sending: a client trickling a byte every few seconds would hold the
/// connection open forever, each byte resetting the idle timeout, and one sending fast would
/// keep the bot reading. On the listener's pipeline after the HTTP codec (`HTTPListener`).
public final class UnreadRequestClose: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    /// Requests whose end has arrived, and responses written to their end, since the
    /// connection opened: the request a response answers was read to the end when the first
    /// count is at least the second (pipelined requests included).
    private var requestsRead = 0
    private var answered = 0

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { requestsRead += 1 }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        answered += 1
        guard requestsRead < answered else {
            context.write(data, promise: promise)
            return
        }
        context.writeAndFlush(data, promise: promise)
        context.close(promise: nil)
    }
}
