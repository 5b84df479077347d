import IncidentCore
import IncidentEngine
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// How many connections the listener holds at once, shared by every connection's
/// `ConnectionCap`, so a flood of connections from the internet cannot use up the process's
/// file descriptors: the ones delivery needs to reach Slack, Matrix, the database and the
/// pagers. Past `limit` a new connection takes the place of the one that has waited longest
/// with no request of its own being answered (`HeldConnection`): one idle between requests,
/// or one still sending its request, never one whose request the bot is deciding; first of
/// all one whose last answer refused its request (a 4xx: a bad signature, a body too big).
/// Only when every connection held is waiting for its answer is the new one closed as it
/// opens. A flood of unsigned requests kept its connections' waits the newest, each answered
/// 401 in turn, and a responder's connection, still sending its `/ack`, was the one closed.
/// A thousand kept-alive connections, each sending a request every few seconds, closed every
/// new connection: a responder's `/ack`, a signed PagerDuty answer, a declaration, for as long
/// as the flood lasted, and the ladder climbed on.
/// A full listener is logged at most once every 10 seconds (`LogThrottle`), with how many it
/// closed since.
public final class OpenConnections: Sendable {
    public let limit: Int
    let logger: Logger
    let now: @Sendable () -> Timestamp
    private let held = Mutex<[ObjectIdentifier: HeldConnection]>([:])
    private let fullLog = LogThrottle(every: .seconds(10))

    public init(limit: Int, logger: Logger, now: @escaping @Sendable () -> Timestamp) {
        self.limit = max(1, limit)
        self.logger = logger
        self.now = now
    }

    /// The connections open now.
    public var count: Int { held.withLock { $0.count } }

    /// Counts `channel` in: its entry, or nil (nothing counted) when every connection held is
    /// waiting for its answer. At the limit, the connection that has waited longest with no
    /// request being answered is closed to make room.
    func enter(_ channel: any Channel) -> HeldConnection? {
        let entry = HeldConnection(channel)
        let (admitted, displaced) = held.withLock { held -> (Bool, HeldConnection?) in
            guard held.count >= limit else {
                held[ObjectIdentifier(entry)] = entry
                return (true, nil)
            }
            guard let oldest = HeldConnection.longestWaiting(held.values) else { return (false, nil) }
            held[ObjectIdentifier(oldest)] = nil
            held[ObjectIdentifier(entry)] = entry
            return (true, oldest)
        }
        if let displaced {
            displaced.channel.close(promise: nil)
            BotMetrics.connectionDisplaced()
            logFull("HTTP listener full: the connection waiting longest closed for a new one")
        } else if !admitted {
            BotMetrics.connectionRefused()
            logFull("HTTP listener full: new connections closed as they opened (every connection held is being answered)")
        }
        return admitted ? entry : nil
    }

    func leave(_ entry: HeldConnection) {
        held.withLock { held in
            if held[ObjectIdentifier(entry)] === entry { held[ObjectIdentifier(entry)] = nil }
        }
    }

    private func logFull(_ message: Logger.Message) {
        if let unlogged = fullLog.admit(at: now()) {
            logger.warning(message, metadata: ["closed": "\(unlogged + 1)", "max_connections": "\(limit)"])
        }
    }
}

/// One connection the listener holds, and since when it has waited with no request of its own
/// being answered (on the uptime clock), or that it has one: a request read to its end whose
/// answer is not yet written.
final class HeldConnection: Sendable {
    let channel: any Channel
    /// Uptime nanoseconds (plus one) since the connection waits; 0 while a request of its own is
    /// being answered.
    private let waitingSince: Atomic<UInt64>
    /// Whether its last answer refused its request (4xx).
    private let refused = Atomic(false)

    init(_ channel: any Channel) {
        self.channel = channel
        waitingSince = Atomic(Self.uptime())
    }

    /// Its answer's status was written: a 4xx refused the request.
    func answered(refusing: Bool) { refused.store(refusing, ordering: .relaxed) }

    /// A request of its own was read to its end: it is being answered.
    func answering() { waitingSince.store(0, ordering: .relaxed) }

    /// Its answers are all written: it waits from now.
    func waiting() { waitingSince.store(Self.uptime(), ordering: .relaxed) }

    /// The connection that has waited longest, of those not being answered: of those whose
    /// last answer was a refusal, when there are any.
    static func longestWaiting(_ connections: some Sequence<HeldConnection>) -> HeldConnection? {
        var oldest: (refused: Bool, since: UInt64, connection: HeldConnection)?
        for connection in connections {
            let since = connection.waitingSince.load(ordering: .relaxed)
            guard since != 0 else { continue }
            let refused = connection.refused.load(ordering: .relaxed)
            // Ordered by refused first, then by the wait's start.
            if let current = oldest, (current.refused && !refused) || (current.refused == refused && current.since <= since) { continue }
            oldest = (refused, since, connection)
        }
        return oldest?.connection
    }

    private static func uptime() -> UInt64 { NIODeadline.now().uptimeNanoseconds + 1 }
}

/// On each connection's pipeline, after the HTTP codec (`HTTPListener`): counts the connection
/// in `OpenConnections` while it is open, and tells it when a request of the connection's is
/// being answered (read to its end, its answer not yet written), which keeps it from being
/// closed for a new one. A connection refused as it opens is closed.
public final class ConnectionCap: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    let connections: OpenConnections
    /// Counted in: given back when the connection closes.
    private var entry: HeldConnection?
    /// Requests read to their end, and answers written to theirs (pipelined requests included).
    private var requestsRead = 0
    private var answered = 0

    public init(_ connections: OpenConnections) {
        self.connections = connections
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        entry = connections.enter(context.channel)
        // Added as the connection is set up, usually before it is active: closed once it is.
        if entry == nil, context.channel.isActive { context.close(promise: nil) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        guard entry != nil else { return context.close(promise: nil) }
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A connection closed as it opened reads nothing it might act on.
        guard let entry else { return }
        if case .end = unwrapInboundIn(data) {
            requestsRead += 1
            entry.answering()
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if case .head(let response) = part, let entry { entry.answered(refusing: response.status.kind == .clientError) }
        guard case .end = part, let entry else {
            return context.write(data, promise: promise)
        }
        answered += 1
        // Waiting from its last answer's end on. One still being flushed is the connection
        // that has waited least: it makes room only when no other connection can, and a
        // promise a response to see it written cost the listener 3 % of its rate.
        if answered >= requestsRead { entry.waiting() }
        context.write(data, promise: promise)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        if let entry { connections.leave(entry) }
        entry = nil
    }
}
