import Logging
import ServiceLifecycle

/// A listener as `serve` runs it: when it cannot listen (the port is taken, the address is not
/// this host's), `serve` stops with one line that names the setting, not a framework's error
/// about an unnamed socket. The admin port's default, 9090, is also Prometheus's own.
struct NamedListener<Listener: Service>: Service {
    let listener: Listener
    /// The setting and its value, `admin.listen 127.0.0.1:9090`.
    let setting: String
    let logger: Logger

    func run() async throws {
        do {
            try await listener.run()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let failure = StartupError("the listener on \(setting) stopped: \(error); is another process using the port?")
            // Logged here too: a stop bounded by `StopDeadline` may end the process before the
            // error reaches the command line.
            logger.error("\(failure.description)")
            throw failure
        }
    }
}
