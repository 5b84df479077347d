import Foundation
import IncidentCore
import Logging
import NIOCore
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
            let failure = StartupError("the listener on \(setting) stopped: \(ListenFailure.reason(error))")
            // Logged here too: a stop bounded by `StopDeadline` may end the process before the
            // error reaches the command line.
            logger.error("\(failure.description)")
            throw failure
        }
    }
}

enum ListenFailure {
    /// Why a listener could not listen, in the operator's words, with the system's error
    /// after it: the hint fits the cause (a taken port, an address not this machine's, a name
    /// that does not resolve), not one guess for all.
    static func reason(_ error: any Error) -> String {
        if let io = error as? IOError {
            let hint = switch io.errnoCode {
            case EADDRINUSE: "the port is in use (another process listens on it)"
            case EADDRNOTAVAIL: "the address is not one of this machine's"
            case EACCES: "not allowed to listen there (a port below 1024 needs privileges)"
            default: "cannot listen"
            }
            return "\(hint): \(String(cString: strerror(io.errnoCode)).lowercased())"
        }
        if let address = error as? SocketAddressError, case .unknown(let host, _) = address {
            return "the host name \(host.escapedToOneLine) does not resolve"
        }
        return "\(error)".escapedToOneLine
    }
}
