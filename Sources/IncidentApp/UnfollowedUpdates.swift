import IncidentCore
import IncidentEngine
import IncidentPolicy

/// The levels of a ladder whose pages ask for no answer (the business ladder: its people
/// "follow the broadcast updates") filled by someone with no chat account here: their page is
/// the last they hear, neither the updates nor the mitigation nor the resolution reach them.
/// Said as `serve` starts and by `check-config`, so a CTO on a phone alone is found before an
/// outage, not after it.
public enum UnfollowedUpdates {
    public static func warnings(_ directory: Directory, policy: Policy) -> [String] {
        let informing = Set(policy.ladders.filter { !$0.asksForAnswers }.map(\.id))
        return directory.followingNoUpdates(on: informing).map { level, person in
            "\(level): \(person.handle) has no chat account here, so after their page they cannot follow the broadcast channel, "
                + "where the updates, the mitigation and the resolution are told; give them a chat account in the roster, "
                + "or keep them informed another way"
        }
    }
}
