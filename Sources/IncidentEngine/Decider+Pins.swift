import IncidentCore
import IncidentRules

/// A message marked for the timeline, or unmarked, in an incident's room.
extension Decider {
    /// Applies the pin change to the incident whose room it happened in. Anywhere else, or a
    /// change that changes nothing, is ignored: a pin is no command, and nobody is answered.
    mutating func pin(_ change: PinChange) throws -> EngineOutcome {
        guard let stored = try records.incident(platform: event.platform, roomID: event.room) else { return EngineOutcome(.ignored) }
        var author: PersonID?
        if case .mark(let post, _, _) = change { author = settings.roster.identify(event.platform, accountID: post.author) }
        let decision: Decision
        do {
            decision = try stored.incident.pinning(change, author: author, by: actor, at: now, roster: settings.roster)
        } catch {
            return EngineOutcome(.ignored, incident: stored.incident.number)
        }
        // A store failure is no refusal: it fails the transaction, as for any command.
        try commit(decision, home: stored.home)
        return EngineOutcome(.handled, incident: stored.incident.number)
    }
}
