import HTTPTypes
import IncidentCore
import IncidentHTTP
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// `ConnectionCap` held to its rule on embedded connections: past the limit a new connection
/// takes the place of the one waiting longest, never of one whose request is being answered,
/// and is closed as it opens only when every connection held is being answered.
@Suite struct ConnectionCapTests {
    let connections = OpenConnections(limit: 2, logger: Logger(label: "test"), now: { Timestamp(secondsSinceEpoch: 0) })

    func open() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ConnectionCap(connections))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// A request read to its end: the bot is deciding it.
    func ask(_ channel: EmbeddedChannel) throws {
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: "http", authority: "bot", path: "/slack/events")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    func answer(_ channel: EmbeddedChannel, _ status: HTTPResponse.Status = .ok) throws {
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: status)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
    }

    @Test func aNewConnectionIsClosedOnlyWhenEveryOneHeldIsBeingAnswered() throws {
        let (first, second) = (try open(), try open())
        try ask(first)
        try ask(second)
        let refused = try open()
        #expect(!refused.isActive && first.isActive && second.isActive)
        // The first's answer is written: it waits now, and the next connection takes its place.
        try answer(first)
        let next = try open()
        #expect(next.isActive && !first.isActive && second.isActive)
        #expect(connections.count == 2)
    }

    @Test func theOneWaitingLongestMakesRoom() throws {
        let (first, second) = (try open(), try open())
        // The first is answered after the second: the second has waited longest.
        try ask(first)
        try answer(first)
        let third = try open()
        #expect(third.isActive && first.isActive && !second.isActive)
        // A connection still sending its request is waiting too: it makes room in its turn.
        try first.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: "http", authority: "bot", path: "/slack/events")))
        let fourth = try open()
        #expect(fourth.isActive && !first.isActive && third.isActive)
        #expect(connections.count == 2)
    }

    /// A flood of unsigned requests, each answered 401: its connections' waits start anew at
    /// each answer, so a responder's connection still sending its request had waited longest,
    /// and was closed for the flood's next connection. One whose last answer refused its
    /// request makes room first.
    @Test func aConnectionLastAnsweredWithARefusalMakesRoomFirst() throws {
        let (responder, flood) = (try open(), try open())
        try responder.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .post, scheme: "http", authority: "bot", path: "/slack/events")))
        try ask(flood)
        try answer(flood, .unauthorized)
        let next = try open()
        #expect(next.isActive && responder.isActive && !flood.isActive)
        // A refused request's connection answered well since is an ordinary one again.
        try ask(next)
        try answer(next, .unauthorized)
        try ask(next)
        try answer(next)
        let another = try open()
        #expect(another.isActive && !responder.isActive && next.isActive)
    }
}
