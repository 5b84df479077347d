import Hummingbird
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

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}
