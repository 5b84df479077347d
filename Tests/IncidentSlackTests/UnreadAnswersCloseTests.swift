import IncidentHTTP
import NIOCore
import NIOEmbedded
import Testing

/// `UnreadAnswersClose` on the listener's pipeline: while a connection's answers wait unread
/// (the channel unwritable), no more of its requests are read, and after the limit it is
/// closed. A client sending requests back to back without reading the answers held its
/// connection past the idle close while the bot answered into memory (docs/reliability.md,
/// Threat model). On a real socket the flood starves every other test's connections on the
/// shared event loops, so the handler is held to its rule here.
@Suite struct UnreadAnswersCloseTests {
    /// Counts the reads that reach the socket's end of the pipeline.
    final class Reads: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = NIOAny
        var count = 0
        func read(context: ChannelHandlerContext) {
            count += 1
            context.read()
        }
    }

    func connection() throws -> (EmbeddedChannel, Reads) {
        let channel = EmbeddedChannel()
        let reads = Reads()
        try channel.pipeline.syncOperations.addHandler(reads)
        try channel.pipeline.syncOperations.addHandler(UnreadAnswersClose(limit: .seconds(1)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, reads)
    }

    func answersBackUp(_ channel: EmbeddedChannel, _ unread: Bool) {
        channel.isWritable = !unread
        channel.pipeline.fireChannelWritabilityChanged()
    }

    @Test func readsWaitWhileAnswersAreUnreadAndResumeWhenTheyAreRead() throws {
        let (channel, reads) = try connection()
        channel.read()
        #expect(reads.count == 1)
        answersBackUp(channel, true)
        channel.read()
        #expect(reads.count == 1, "a read went on while the answers waited")
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(900))
        answersBackUp(channel, false)
        #expect(reads.count == 2, "the held read was not made")
        // Read in time: the close is called off.
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        _ = try? channel.finish()
    }

    @Test func answersUnreadForTheLimitCloseTheConnection() throws {
        let (channel, _) = try connection()
        answersBackUp(channel, true)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }
}
