import IncidentCore
import IncidentEngine
import Logging
import NIOCore
import Synchronization

/// How many connections the listener holds at once, shared by every connection's
/// `ConnectionCap`. Past `limit` a new connection is closed as it opens, so a flood of
/// connections from the internet cannot use up the process's file descriptors: the ones delivery
/// needs to reach Slack, Matrix, the database and the pagers.
/// A full listener is logged at most once every 10 seconds (`LogThrottle`), with how many it
/// closed since.
public final class OpenConnections: Sendable {
    public let limit: Int
    let logger: Logger
    let now: @Sendable () -> Timestamp
    private let open = Atomic<Int>(0)
    private let fullLog = LogThrottle(every: .seconds(10))

    public init(limit: Int, logger: Logger, now: @escaping @Sendable () -> Timestamp) {
        self.limit = max(1, limit)
        self.logger = logger
        self.now = now
    }

    /// The connections open now.
    public var count: Int { open.load(ordering: .relaxed) }

    /// Counts a connection in; false (and nothing counted) when the listener is full.
    func enter() -> Bool {
        guard open.add(1, ordering: .relaxed).newValue > limit else { return true }
        open.subtract(1, ordering: .relaxed)
        BotMetrics.connectionRefused()
        if let unlogged = fullLog.admit(at: now()) {
            logger.warning("HTTP listener full: new connections closed as they opened",
                           metadata: ["closed": "\(unlogged + 1)", "max_connections": "\(limit)"])
        }
        return false
    }

    func leave() {
        open.subtract(1, ordering: .relaxed)
    }
}

/// On each connection's pipeline (`HTTPListener`): counts the connection in `OpenConnections`
/// while it is open, and closes it as it opens when the listener already holds its limit.
public final class ConnectionCap: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    let connections: OpenConnections
    /// Counted in: the count is given back when the connection closes.
    private var counted = false

    public init(_ connections: OpenConnections) {
        self.connections = connections
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        counted = connections.enter()
        // Added as the connection is set up, usually before it is active: closed once it is.
        if !counted, context.channel.isActive { context.close(promise: nil) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        guard counted else { return context.close(promise: nil) }
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A connection closed as it opened reads nothing it might act on.
        guard counted else { return }
        context.fireChannelRead(data)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        if counted { connections.leave() }
        counted = false
    }
}
