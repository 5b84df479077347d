import IncidentCore
import IncidentRules

extension Decider {
    /// A bare `/ack` refused in an incident's room, from someone whose page for another
    /// incident waits for their answer: the refusal points to it. Told only who may
    /// acknowledge this incident, a half-awake responder in the wrong room read it as being
    /// dropped from the ladder; told in the room of one they had answered "nothing more to do",
    /// they let the other page climb to their lead. A bare `/ack` anywhere else would have
    /// answered the page.
    func pointingToWaitingPages(_ refusal: IncidentError, refusedIn incident: Incident) throws -> IncidentError {
        let open = try records.openIncidents(skippingUnreadable: true)
        let waiting = try records.awaitingAcknowledgement(from: actor, among: open).filter { $0.incident.number != incident.number }
        guard !waiting.isEmpty else { return refusal }
        // An answer posted for the whole room (Matrix) does not say who a private incident paged.
        let shown = waiting.filter { mayShow($0.incident, here: incident.number) }
        guard !shown.isEmpty else {
            // The page itself (a direct message) names the incident and how to answer.
            return IncidentError(refusal.kind, refusal.message + " A page of yours for a private incident waits for an answer: "
                                 + "the page says how to acknowledge it.")
        }
        let pages: BotText = shown.count == 1 ? "Your page for \(shown[0].incident.id) waits for an answer: "
            : "Your pages for \(shown.count) incidents wait for an answer: "
        return IncidentError(refusal.kind, refusal.message + " " + pages + Self.acknowledgements(of: shown, hiding: waiting.count - shown.count) + ".")
    }

    /// The answer to a bare `/ack` that acknowledged the one page waiting, a private
    /// incident's, where the whole room reads the answer (a Matrix lobby; a Matrix direct
    /// message, which the engine cannot tell from one). "Acknowledged INC-7" told the lobby
    /// which private incident exists and that it paged the asker; the page named it to them.
    static var privatePageAcknowledged: Message {
        // True whether this answer stopped the ladder, someone had before, or it had stopped
        // when the incident was mitigated.
        Message(.text("Acknowledged your page for a private incident: its engineering ladder pages nobody further. The incident "
                      + "is not named here, where the whole room reads this; its page and its room say the rest."))
    }

    /// A bare `/ack` refused for the one page waiting, a private incident's, where the whole room
    /// reads the answer: the refusal's gist by its kind, without naming the incident. Where it
    /// was typed is never the reason: an acknowledgement is taken anywhere.
    static func privatePageNotAcknowledged(_ refusal: IncidentError) -> IncidentError {
        let gist: String = switch refusal.kind {
        case .noChange: "needs nothing more from you: it is acknowledged already"
        case .wrongPhase: "has nothing to acknowledge any more"
        default: "is not yours to acknowledge now"
        }
        return IncidentError(refusal.kind, "Your page for a private incident \(gist). The incident is not named here, where the "
                             + "whole room reads this: \(command: "ack INC-N") with its number, in its room or in a direct message, says more.")
    }

    /// `/ack INC-1 or /ack INC-3`: the commands that answer each of `incidents`' pages, and,
    /// when `hiding` pages of private incidents are left out (an answer posted for the whole
    /// room), that one waits too.
    static func acknowledgements(of incidents: [StoredIncident], hiding: Int = 0) -> BotText {
        let named = incidents.map { "\(command: "ack \($0.incident.id)")" as BotText }
        let listed = named.dropFirst().reduce(named.first ?? "") { $0 + " or " + $1 }
        return hiding > 0 ? listed + "; a page of yours for a private incident waits too, and says how to answer it" : listed
    }
}
