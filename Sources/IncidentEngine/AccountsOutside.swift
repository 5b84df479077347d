import IncidentCore
import IncidentPolicy
import Synchronization

/// Chat accounts their platform said are outside the workspaces the bot serves (Slack's
/// `users.info` naming another team), learned as commands name them: nobody names one IC or
/// gives one a role (`Transition.requireReachable`). An account in another workspace, named
/// IC by a mis-picked autocomplete in a shared channel, stopped the engineering ladder and
/// locked the responders out of their own incident.
public final class AccountsOutside: LearnedOutsiders {
    private struct Known {
        var outside: Set<PersonID> = []
        /// Named and asked about, not answered for yet: Slack's Web API slow or down. Such an
        /// account is not named to a role until Slack answers: taken as served, an account of
        /// another organisation was named IC whenever `users.info` answered late.
        var unanswered: Set<PersonID> = []
    }

    private let known = Mutex(Known())

    public init() {}

    public func learn(_ person: PersonID) {
        known.withLock { known in
            // Bounded: past it the accounts are asked about again as they are named.
            if known.outside.count >= Self.mostKept { known.outside.removeAll() }
            known.outside.insert(person)
            known.unanswered.remove(person)
        }
    }

    public func learnServed(_ person: PersonID) {
        _ = known.withLock { $0.unanswered.remove(person) }
    }

    public func asking(_ person: PersonID) {
        known.withLock { known in
            // Bounded by one out for one in, not by forgetting them all: each forgotten would be
            // taken as served. Named five at most a command, and only while Slack fails.
            if known.unanswered.count >= Self.mostKept, !known.unanswered.contains(person) { known.unanswered.removeFirst() }
            known.unanswered.insert(person)
        }
    }

    /// The most accounts kept of each kind.
    static var mostKept: Int { 10_000 }

    public func isOutside(_ person: PersonID) -> Bool {
        known.withLock { $0.outside.contains(person) }
    }

    public func isUnanswered(_ person: PersonID) -> Bool {
        known.withLock { $0.unanswered.contains(person) }
    }
}
