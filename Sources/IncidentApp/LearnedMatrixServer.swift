import IncidentPolicy
import Synchronization

/// The bot's own Matrix server, learned once from its homeserver (`whoami`) after the process
/// started: a homeserver down or restarting as the bot starts must not stop the bot (and its
/// Slack and pages with it). Until it is learned, that server's accounts are not served.
public final class LearnedMatrixServer: LearnedServer {
    private let learned = Mutex<String?>(nil)

    public init() {}

    /// `example.org`, once learned.
    public var server: String? { learned.withLock { $0 } }

    public func learn(_ server: String) {
        learned.withLock { $0 = server }
    }
}
