import NIOCore
import NIOHTTPTypes

/// Closes a connection whose answer went out before its request was read to the end: a body
/// refused as too large (413, unread) or too slow (408), or one a route did not read.
/// Hummingbird would otherwise read the rest and throw it away before the next request, for as
/// long as the client keeps sending: a client trickling a byte every few seconds would hold the
/// connection open forever, each byte resetting the idle timeout, and one sending fast would
/// keep the bot reading. On the listener's pipeline after the HTTP codec (`HTTPListener`).
///
/// The close lingers, as web servers' do: once the answer is written the connection stops
/// sending (the client reads the answer, then the end of the stream), drops what still arrives,
/// and closes at the client's own close or after `linger` at most. Closed at once, a socket
/// with unread bytes is reset, and the reset can reach the client before it has read the answer.
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
    /// The answer to an unread request is out: what arrives now is dropped.
    private var closing = false
    private var closeAtLatest: Scheduled<Void>?
    let linger: TimeAmount

    public init(linger: TimeAmount = .seconds(2)) {
        self.linger = linger
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        if case .end = unwrapInboundIn(data) { requestsRead += 1 }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        answered += 1
        guard requestsRead < answered, !closing else {
            context.write(data, promise: promise)
            return
        }
        closing = true
        let written = context.eventLoop.makePromise(of: Void.self)
        if let promise { written.futureResult.cascade(to: promise) }
        context.writeAndFlush(data, promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in self.stopSending(context) }
    }

    /// Ends the output (the client sees the end of the stream after the answer) and closes
    /// after `linger` at most; a connection that cannot half-close is closed now.
    private func stopSending(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let shut = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: shut)
        shut.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        closeAtLatest = context.eventLoop.assumeIsolated().scheduleTask(in: linger) { context.close(promise: nil) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closeAtLatest?.cancel()
        closeAtLatest = nil
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        closeAtLatest?.cancel()
        closeAtLatest = nil
    }
}
