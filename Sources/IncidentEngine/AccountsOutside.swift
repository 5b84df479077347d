import IncidentCore
import IncidentPolicy
import Synchronization

/// Chat accounts their platform said are outside the workspaces the bot serves (Slack's
/// `users.info` naming another team), learned as commands name them: nobody names one IC or
/// gives one a role (`Transition.requireReachable`). An account in another workspace, named
/// IC by a mis-picked autocomplete in a shared channel, stopped the engineering ladder and
/// locked the responders out of their own incident.
public final class AccountsOutside: LearnedOutsiders {
    private let known = Mutex<Set<PersonID>>([])

    public init() {}

    public func learn(_ person: PersonID) {
        known.withLock { known in
            // Bounded: past it the accounts are asked about again as they are named.
            if known.count >= Self.mostKept { known.removeAll() }
            known.insert(person)
        }
    }

    /// The most accounts kept.
    static var mostKept: Int { 10_000 }

    public func isOutside(_ person: PersonID) -> Bool {
        known.withLock { $0.contains(person) }
    }
}
