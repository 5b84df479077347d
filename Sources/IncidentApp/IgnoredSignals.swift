import Dispatch
import Foundation
import Logging

/// Signals that end a process unless it handles them, and that mean nothing to `serve`:
/// SIGHUP (an operator's `kill -HUP` to reload, as many daemons take it) and SIGUSR1 and
/// SIGUSR2. Each ended the bot at once with no log line, and systemd takes an end by SIGHUP
/// for a clean exit, which `Restart=on-failure` does not restart: the bot stayed down and
/// paged nobody. They are logged and ignored; the config is read as the bot starts, so an edit
/// needs a restart (operations.md).
enum IgnoredSignals {
    static let names: [(number: Int32, name: String)] = [(SIGHUP, "SIGHUP"), (SIGUSR1, "SIGUSR1"), (SIGUSR2, "SIGUSR2")]

    /// Ignores them from now on, each logged as it comes; the sources returned must be kept for
    /// as long as they are to be logged.
    static func install(logger: Logger) -> [any DispatchSourceSignal] {
        names.map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                logger.warning("signal ignored: incident-bot reads its configuration as it starts; restart it to apply an edit",
                               metadata: ["signal": "\(name)"])
            }
            source.resume()
            return source
        }
    }
}
