import IncidentCore
import IncidentCommands
import IncidentPolicy

extension Incident {
    /// Declares incident `number` (behaviour.md section 2, `/incident declare`): the new incident, the
    /// room with its topic and kickoff, the announcement, the first pages of both ladders and
    /// what the severity pages at once.
    ///
    /// `takenRooms` are the room names in use; the new room gets the next free suffix. Anyone
    /// may declare, but naming an IC acknowledges the engineering page (the on-call is paged,
    /// the climb stops), so `--ic` is for roster people.
    public static func declare(_ declaration: Declaration, number: Int, by actor: PersonID, at now: Timestamp,
                               policy: Policy, roster: Roster, community: Community = .everyone,
                               takenRooms: Set<String>) throws(IncidentError) -> Decision {
        let severity = declaration.severity ?? policy.defaultSeverity
        let room = RoomName.make(title: declaration.roomTitle, declaredAt: now, zone: policy.timeZone, taken: takenRooms)
        var incident = Incident(number: number, title: declaration.title, room: room, severity: severity,
                                declaredAt: now, declaredBy: actor, policy: policy)
        incident.isPrivate = declaration.isPrivate
        var transition = Transition(incident, now: now, roster: roster, actor: actor, community: community)
        if declaration.commander != nil, !transition.isListed(actor) {
            throw IncidentError(.notAllowed,
                                "Only people on the roster can name an incident commander when declaring (it acknowledges the page); declare without --ic.")
        }
        // Refused, the `--ic` leaves nothing declared, and says so: "INC-4's room is on Slack
        // alone" read at 3 a.m. as INC-4 declared and only its IC refused.
        let commander: PersonID?
        do {
            commander = try declaration.commander.map { ref throws(IncidentError) in try transition.reachablePerson(ref) }
        } catch {
            throw IncidentError(error.kind, "Nothing was declared: " + error.message)
        }
        if let commander { transition.incident.roles[.commander] = commander }
        transition.startUpdateClockAtFirstPage()

        let invite = [actor] + (commander.map { $0 == actor ? [] : [$0] } ?? [])
        transition.record(.declared, "Declared \(declaration.isPrivate ? "private " : "")\(severity) “\(declaration.title)” as \(incident.id) in #\(room).")
        if let commander {
            transition.record(.roleAssigned, "\(commander.handle) is the \(Role.commander.title).")
        }
        transition.incident.invited = Set(invite)
        transition.startCallFromTemplate()
        transition.emit(.createRoom(name: room, topic: Messages.topic(transition.incident, now: transition.now), invite: invite,
                                    isPrivate: declaration.isPrivate ? true : nil))
        transition.post(Messages.kickoff(transition.incident))
        transition.post(Messages.announcement(transition.incident), to: .broadcast)
        transition.startLadders()
        transition.pageAtOnce()
        transition.noteWorkingHoursOpening()
        if let commander { transition.acknowledge(by: commander, how: "named incident commander") }
        // A private incident's room is not named: its name is the same every day, and anyone
        // may have made a public channel under it first; the declarer is invited to the room.
        transition.reply = declaration.isPrivate
            ? Message(.text("Declared private \(incident.id) (\(severity)): its private room is being made, and you are invited to it."))
            : Message(.text("Declared \(incident.id) (\(severity)): "), .room(room))
        // The title names a worse severity than was declared (`checkout down P0`, read as
        // words): at night a P2 pages nobody until morning, so the answer says how to raise it.
        if let mentioned = TitleSeverity.mostSevereMentioned(in: declaration.title), mentioned.isMoreSevere(than: severity) {
            transition.reply?.line(.text("The title says \(mentioned), and \(incident.id) is \(severity): if it is that bad, "),
                                   .command("sev \(incident.id) \(mentioned)"), .text("."))
        }
        return transition.finish()
    }
}
