import IncidentCore
import IncidentPolicy
import Synchronization

/// The bot's own chat accounts, learned from each platform after the process started (Slack's
/// `auth.test`, Matrix's `whoami`). Nobody names the bot IC or gives it a role: its nudges,
/// handovers and reminders would reach no one (`Transition.requireReachable`).
public final class OwnAccounts: LearnedAccounts {
    private let known = Mutex<Set<PersonID>>([])

    public init() {}

    public func learn(_ platform: Platform, account: String) {
        guard !account.isEmpty else { return }
        _ = known.withLock { $0.insert(.unlisted(platform, account)) }
    }

    public func contains(_ person: PersonID) -> Bool {
        known.withLock { $0.contains(person) }
    }

    /// Whether the account on `platform` is known yet.
    public func knows(_ platform: Platform) -> Bool {
        known.withLock { $0.contains { $0.rawValue.hasPrefix(platform.rawValue + ":") } }
    }
}
