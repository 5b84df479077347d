import NIOCore
import NIOHTTPTypes

/// Stops reading a connection's requests while its answers are not being read, and closes it
/// when they stay unread for `limit`. A client that sends requests back to back (pipelined)
/// and never reads the answers otherwise had each answered and queued in the bot's memory, and
/// held the connection past the idle close, which counts only what the client sends: 40 such
/// connections took the bot from 46 MB to 353 MB and held on after the client went quiet. On
/// the listener's pipeline after the HTTP codec (`guardedHTTP1`).
///
/// "Not being read" is the channel's own: unwritable once more than its write buffer's high
/// mark waits to be sent (NIO's default, 64 KiB), writable again when the client has read
/// enough of it.
public final class UnreadAnswersClose: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    let limit: TimeAmount
    /// A read asked for while the answers waited: made when they are read.
    private var readHeld = false
    private var closeAt: Scheduled<Void>?

    public init(limit: TimeAmount) {
        self.limit = limit
    }

    public func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable else {
            readHeld = true
            return
        }
        context.read()
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            closeAt?.cancel()
            closeAt = nil
            if readHeld {
                readHeld = false
                context.read()
            }
        } else if closeAt == nil {
            closeAt = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { context.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closeAt?.cancel()
        closeAt = nil
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        closeAt?.cancel()
        closeAt = nil
    }
}
