import Hummingbird
import IncidentCore
import IncidentEngine
import IncidentHTTP
import Logging
import NIOCore
import Prometheus

/// The admin listener of `incident-bot serve` (`admin.listen`, 127.0.0.1:9090 by default), for
/// the host's probes and scraper:
///
/// - `GET /healthz`: 200 while the process runs.
/// - `GET /readyz`: 200 when every check passes, else 503; one line a check either way
///   (`store: ok`, `slack: auth.test failed: ...`), and the process's role. `?check=store`
///   runs only the checks named (a comma list, or the parameter repeated): what a load balancer in front of the HTTP
///   doors should ask, since those doors need the store and not Slack or Matrix.
/// - `GET /metrics`: the Prometheus text format, with the outbox counted at the scrape.
public struct AdminListener: Sendable {
    /// One readiness check: nil when it passes, else why not.
    public struct Check: Sendable {
        public var name: String
        public var run: @Sendable () async -> String?

        public init(name: String, run: @escaping @Sendable () async -> String?) {
            self.name = name
            self.run = run
        }
    }

    let host: String
    let port: Int
    let checks: [Check]
    let registry: PrometheusCollectorRegistry
    let store: any IncidentStore
    let role: ReplicaRole
    let logger: Logger
    /// At most this many connections at once; more are closed as they open. Probes and a
    /// scraper need a few, and a flood must not take the file descriptors delivery needs
    /// (the listener is often published inside a cluster).
    let maxConnections: Int
    /// A connection that sends nothing for this long is closed.
    let idleTimeout: Duration

    public init(host: String, port: Int, checks: [Check], registry: PrometheusCollectorRegistry, store: any IncidentStore,
                role: ReplicaRole = ReplicaRole(leading: true), maxConnections: Int = 32, idleTimeout: Duration = .seconds(10),
                logger: Logger) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.role = role
        self.host = host
        self.port = port
        self.checks = checks
        self.registry = registry
        self.store = store
        self.logger = logger
    }

    /// The store check: a transaction that writes a row commits (one that writes nothing
    /// commits on a full disk too, while every command fails).
    public static func storeCheck(_ store: any IncidentStore, now: @escaping @Sendable () -> Timestamp = { LiveClock().now },
                                  file: @escaping @Sendable () -> String? = { nil }) -> Check {
        Check(name: "store") {
            if let moved = file() { return moved }
            do {
                let instant = now()
                try await store.write { try $0.noteReadinessCheck(at: instant) }
                return nil
            } catch {
                return "cannot write: \(error)"
            }
        }
    }

    public func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        // HEAD as well as GET: uptime checkers probe with HEAD, and got 404.
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.get("/healthz") { _, _ in Self.text(.ok, "ok\n") }
        let checks = checks
        let role = role
        router.get("/readyz") { request, _ in
            var checks = checks
            // `?check=store,slack` or `?check=store&check=slack`: every one named runs.
            let named = request.uri.queryParameters[values: "check"]
            if !named.isEmpty {
                let asked = Set(named.flatMap { $0.split(separator: ",").map(String.init) })
                let unknown = asked.subtracting(checks.map(\.name)).sorted()
                let names = checks.map(\.name).joined(separator: ", ")
                guard !asked.isEmpty else { return Self.text(.badRequest, "name a check; there are \(names)\n") }
                guard unknown.isEmpty else { return Self.text(.badRequest, "no check \(unknown.joined(separator: ", ")); there are \(names)\n") }
                checks = checks.filter { asked.contains($0.name) }
            }
            let results = await withTaskGroup(of: (Int, String?).self) { group in
                for (index, check) in checks.enumerated() { group.addTask { (index, await Self.run(check)) } }
                var results = [String?](repeating: nil, count: checks.count)
                for await (index, result) in group { results[index] = result }
                return results
            }
            let lines = zip(checks, results).map { check, failure in "\(check.name): \(failure ?? "ok")" } + ["role: \(role.name)"]
            let ready = results.allSatisfy { $0 == nil }
            return Self.text(ready ? .ok : .serviceUnavailable, (ready ? "ready\n" : "not ready\n") + lines.joined(separator: "\n") + "\n")
        }
        let registry = registry
        let store = store
        let logger = logger
        router.get("/metrics") { _, _ in
            await Self.countOutbox(store, into: registry, logger: logger)
            registry.makeGauge(descriptor: PrometheusExport.describe("incident_bot_leader")).set(to: role.isLeader ? 1 : 0)
            registry.makeGauge(descriptor: PrometheusExport.describe("incident_bot_build_info"), labels: BotVersion.metricLabels).set(to: 1)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.refuseOtherMethods()
        let (host, port) = (host, port)
        let connections = OpenConnections(limit: maxConnections, logger: logger, now: { LiveClock().now })
        return Application(router: router,
                           server: .guardedHTTP1(connections, idle: idleTimeout),
                           configuration: .init(address: .hostname(host, port: port), serverName: "incident-bot-admin"),
                           onServerRunning: { channel in
                               let bound = channel.localAddress?.port ?? port
                               logger.info("admin listener listening", metadata: ["address": "\(host):\(bound)"])
                               await onListening(bound)
                           },
                           logger: ServerStopLogs.logger(logger))
    }

    /// How long a check may take before it counts as failed: a probe times out after a few
    /// seconds (Kubernetes' default is 1 s, the examples give 5 s), and an answer that says which
    /// check hung is worth more than none.
    static let checkTimeLimit: Duration = .seconds(4)

    /// `check` run within `checkTimeLimit`: nil when it passed, else why not. A check still
    /// running then is cancelled (one that does not stop finishes on its own, unheard).
    static func run(_ check: Check) async -> String? {
        await TimeLimit.answer(within: checkTimeLimit, late: "no answer within \(checkTimeLimit.components.seconds) s") { await check.run() }
    }

    /// Sets the outbox gauges from the store, every method and state present (0 when none).
    /// Read within `checkTimeLimit`: a database that stopped answering must not hold the whole
    /// scrape past Prometheus' timeout, losing the leader gauge with it. When the read fails
    /// or is late the gauges keep their last values, not a count of 0 that would clear an
    /// alert on a backlog; it is logged.
    static func countOutbox(_ store: any IncidentStore, into registry: PrometheusCollectorRegistry, logger: Logger) async {
        let read: Result<[OutboxCount], any Error> = await TimeLimit.answer(within: checkTimeLimit, late: .failure(LateCount())) {
            do { return .success(try await store.read { try $0.unfinishedOutbox() }) } catch { return .failure(error) }
        }
        guard case .success(let counts) = read else {
            if case .failure(let error) = read {
                logger.warning("cannot count the outbox for /metrics; its gauges keep their last values", metadata: ["error": "\(error)"])
            }
            return
        }
        let items = PrometheusExport.describe("incident_bot_outbox_items")
        for method in ContactMethod.allCases {
            for state in [OutboxItem.State.pending, .failed] {
                let count = counts.first { $0.method == method.rawValue && $0.state == state }?.count ?? 0
                registry.makeGauge(descriptor: items, labels: [("method", method.rawValue), ("state", state.rawValue)])
                    .set(to: Double(count))
            }
        }
    }

    struct LateCount: Error, CustomStringConvertible {
        var description: String { "no answer within \(AdminListener.checkTimeLimit.components.seconds) s" }
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
