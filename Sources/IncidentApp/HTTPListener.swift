import Hummingbird
import IncidentEngine
import IncidentHTTP
import Logging
import NIOCore

/// The bot's one HTTP listener (`http.listen`): the Slack endpoint, the acknowledge pages and
/// provider webhooks each add their routes to it, and `/healthz` answers that the process is
/// up. docs/operations.md lists the routes.
public struct HTTPListener: Sendable {
    public typealias Routes = @Sendable (Router<BasicRequestContext>) -> Void

    let settings: BotConfig.HTTPSettings
    let routes: [Routes]
    let logger: Logger

    public init(settings: BotConfig.HTTPSettings, routes: [Routes], logger: Logger) {
        self.settings = settings
        self.routes = routes
        self.logger = logger
    }

    /// The listener as a Service; `onListening` gets the bound port once it accepts requests.
    /// A connection that brings no whole request head or body part for `read_timeout` is
    /// closed, and so is one answered before its request was read to the end (a body refused
    /// as too large or too slow: `UnreadRequestClose`), so a client that sends slowly holds no
    /// connection for long. Past `http.max_connections` held at once a new connection is closed
    /// as it opens (`ConnectionCap`).
    public func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.get("/healthz") { _, _ -> Response in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        for add in routes { add(router) }
        router.refuseOtherMethods()
        let logger = logger
        let settings = settings
        let connections = OpenConnections(limit: settings.maxConnections, logger: logger, now: { LiveClock().now })
        return Application(router: router, server: .guardedHTTP1(connections, idle: settings.readTimeout),
                           configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "incident-bot"),
                           onServerRunning: { channel in
                               let port = channel.localAddress?.port ?? settings.port
                               logger.info("HTTP listener listening", metadata: ["address": "\(settings.host):\(port)"])
                               await onListening(port)
                           },
                           logger: ServerStopLogs.logger(logger))
    }
}
