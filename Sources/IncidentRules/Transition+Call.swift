import IncidentCore
import IncidentPolicy

/// The incident's call (the response plans: "start incident call (P0/P1)"). A severity with a
/// `call` template gives every incident declared at it, or raised to it without one, a link of
/// its own, unless a lead removed the one it had; `/incident call` sets, changes or removes
/// it. The link is in the kickoff, the topic, `/incident status` and every page, so whoever
/// is woken can join at once.
extension Transition {
    /// The severity's templated link, if it has one and the incident has none yet, nor had
    /// its link removed (`callTurnedOff`).
    mutating func startCallFromTemplate() {
        guard incident.callLink == nil, incident.callTurnedOff != true, let template = policy[incident.severity].call,
              let link = CallLink.filling(template, id: incident.id, number: incident.number, room: incident.room)
        else { return }
        incident.callLink = link
        record(.call, "Call: \(link.url) (the \(incident.severity) call template).", by: .bot)
    }

    /// `/incident call <link | off>`, by whoever may lead the incident.
    mutating func setCall(_ link: CallLink?, by actor: PersonID) throws(IncidentError) {
        try requireLead(actor, to: "set the incident's call link")
        guard link != incident.callLink else {
            throw IncidentError(.noChange, link.map { "\(incident.id)'s call is already \($0.url)." } ?? "\(incident.id) has no call link.")
        }
        incident.callLink = link
        incident.callTurnedOff = link == nil ? true : nil
        if let link {
            record(.call, "Call: \(link.url).")
            post(Messages.call(link, for: incident, by: actor))
            reply = Messages.reply("\(incident.id)'s call is now \(link.url).")
        } else {
            record(.call, "Removed the call link.")
            post(Message(.text("📞 "), .mention(actor), .text(" removed \(incident.id)'s call link.")))
            reply = Messages.reply("\(incident.id) has no call link now.")
        }
        updateTopic()
    }
}
