import IncidentCore
import IncidentRules

extension Decider {
    /// A bare `/ack` refused in an incident's room, from someone whose page for another
    /// incident waits for their answer: the refusal points to it. Told only who may
    /// acknowledge this incident, a half-awake responder in the wrong room read it as being
    /// dropped from the ladder, while a bare `/ack` anywhere else would have answered the page.
    func pointingToWaitingPages(_ refusal: IncidentError, refusedIn incident: Incident) throws -> IncidentError {
        guard refusal.kind == .notAllowed else { return refusal }
        let open = try records.openIncidents(skippingUnreadable: true)
        let waiting = try records.awaitingAcknowledgement(from: actor, among: open).filter { $0.incident.number != incident.number }
        guard !waiting.isEmpty else { return refusal }
        let named = waiting.map { "\(command: "ack \($0.incident.id)")" as BotText }
        let pages: BotText = waiting.count == 1 ? "Your page for \(waiting[0].incident.id) waits for an answer: "
            : "Your pages for \(waiting.count) incidents wait for an answer: "
        return IncidentError(.notAllowed, refusal.message + " " + pages + named.dropFirst().reduce(named[0]) { $0 + " or " + $1 } + ".")
    }
}
