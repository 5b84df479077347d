import Hummingbird
import Logging
import Synchronization

/// Runs a Hummingbird application on a free loopback port for a test; `stop()` (or the end of
/// the test's scope) cancels it.
public final class RunningServer: Sendable {
    public let port: Int
    let task: Task<Void, any Error>

    init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts `make(onRunning)` and returns once it listens.
    public static func start<App: ApplicationProtocol>(_ make: (@escaping @Sendable (Int) async -> Void) -> App) async throws -> RunningServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in continuation.yield(port) }
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return RunningServer(port: port, task: task)
    }

    /// Serves `router` on a free loopback port, quietly (a provider's fake).
    public static func start(_ router: Router<BasicRequestContext>, label: String) async throws -> RunningServer {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return try await start { onRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
        }
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}
