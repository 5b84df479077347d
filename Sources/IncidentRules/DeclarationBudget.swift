import IncidentCore
import IncidentPolicy

/// How many incidents people off the roster may declare. Anyone the bot serves may declare (a
/// support engineer who sees customers fail should not need a responder first), but every
/// declaration pages the on-call, and a P0 the VP at once: two strangers' floods of P0s, thirty
/// a minute from each account, queued their pages in the on-call's lane ahead of a real P0's,
/// whose page then reached the on-call 37 seconds late. So in any hour one account off the
/// roster may declare `perPerson` incidents, and all of them together `offRosterInAll`; people
/// on the roster and incident admins are never counted or refused. A declaration taken for
/// one already open (`Incident.isDeclaredAgain`) declares nothing and is not counted.
public enum DeclarationBudget {
    public static let window: Duration = .hours(1)
    public static let perPerson = 3
    public static let offRosterInAll = 10

    /// Why `actor` may not declare at `now`, given the incidents declared in the last
    /// `window` (`recent`); nil when they may. Their own incidents are named; others' are only
    /// counted (one may be private).
    public static func refusal(of actor: PersonID, recent: [Incident], roster: Roster, at now: Timestamp) -> BotText? {
        guard !roster.lists(actor) else { return nil }
        let offRoster = recent.filter { !roster.lists($0.declaredBy) && $0.declaredAt <= now && now - $0.declaredAt < window }
        let theirs = offRoster.filter { $0.declaredBy == actor }.sorted { $0.number < $1.number }
        if theirs.count >= perPerson {
            return "You have declared \(theirs.count) incidents in the last hour (\(theirs.map(\.id).joined(separator: ", "))), "
                + "as many as someone not on the roster may, so nothing was declared. Ask someone on the roster to declare it, "
                + "or add what you see to one of yours with \(command: "note")."
        }
        if offRoster.count >= offRosterInAll {
            return "People not on the roster have declared \(offRoster.count) incidents in the last hour, as many as the bot takes "
                + "from them, so nothing was declared. Ask someone on the roster to declare it."
        }
        return nil
    }
}
