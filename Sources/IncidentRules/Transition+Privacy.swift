import IncidentCore
import IncidentPolicy

/// Private incidents (security, data exposure). Declared with `--private` or made private with
/// `/incident private`; only an incident admin makes one public again (`/incident public`).
///
/// While private, nothing goes to the broadcast channel (`Transition.post` drops it, and
/// the engine withdraws a broadcast post queued before: `IncidentRecords.withdrawBroadcasts`), and what
/// leaves the room (pages, direct messages) names the incident by number only: no title, no
/// status text, no room name, no call link (`Messages.outsideHeading`).
extension Transition {
    /// `/incident private`, by whoever may lead the incident.
    mutating func makePrivate(by actor: PersonID) throws(IncidentError) {
        try requireLead(actor, to: "make the incident private")
        guard !incident.isPrivate else { throw IncidentError(.noChange, "\(incident.id) is already private.") }
        incident.isPrivate = true
        record(.privacy, "Made private.")
        var message = Message(.text("🔒 "), .mention(actor), .text(" made \(incident.id) private: nothing more goes to the broadcast "
            + "channel, and pages and direct messages name it by number only."))
        // Made public, and private again: a room made private from the start (declared private,
        // or turned private before the room was made), which the words for a room made public
        // (its name tells the title) denied.
        if roomMadePrivate || RoomName.isPrivateName(incident.room) {
            message.line(.text("Its room was made private from the start, under a name that tells nothing, and stays so."))
        } else {
            message.line(.text("A room made before this stays as it was made: a public Slack channel can be made private only by a "
                + "workspace admin (channel settings), and its name still tells the title. One not made yet is made private."))
        }
        post(message)
        reply = Messages.reply("\(incident.id) is private now.")
    }

    /// `/incident public`, by an incident admin only: the reverse lets the title out.
    mutating func makePublic(by actor: PersonID) throws(IncidentError) {
        // What is true for anyone first: a public incident has nothing to make public.
        guard incident.isPrivate else { throw IncidentError(.noChange, "\(incident.id) is not private.") }
        guard roster.admins.contains(actor) else {
            throw IncidentError(.notAllowed, "Only an incident admin can make a private incident public again.")
        }
        incident.isPrivate = false
        record(.privacy, "Made public again.")
        post(Message(.text("🔓 "), .mention(actor), .text(" made \(incident.id) public again: updates go to the broadcast channel too.")))
        post(Messages.madePublic(incident), to: .broadcast)
        reply = Messages.reply("\(incident.id) is public again.")
    }
}

extension Incident {
    /// The room creation to send now for one queued as `queued`: a room not made yet when the
    /// incident turned private (it turned private in the same moment, or the platform was down)
    /// is made private, under the name a private incident gets, which tells nothing. Made as
    /// queued, it was a public channel named after the title that anyone could join and read.
    /// `taken`: the room names already held (`privateRoomNames`), which the name avoids as a
    /// declaration's does (`-2`, `-3`): two incidents made private that day got one name, and
    /// on the console, where a room's id is its name, the second's record failed for good and
    /// held up every send after it (a P0's page among them).
    public func roomCreation(_ queued: Effect.Action, taken: Set<String>) -> Effect.Action {
        guard isPrivate, case .createRoom(_, let topic, let invite, let wasPrivate) = queued, wasPrivate != true else { return queued }
        let name = RoomName.make(title: Declaration.privateRoomTitle, declaredAt: declaredAt, zone: policy.timeZone, taken: taken)
        return .createRoom(name: name, topic: topic, invite: invite, isPrivate: true)
    }

    /// What `roomNames` must be asked for the names a private room of this incident's day
    /// would collide with.
    public var privateRoomNames: RoomName.Collisions {
        RoomName.collisions(title: Declaration.privateRoomTitle, declaredAt: declaredAt, zone: policy.timeZone)
    }

    /// Whether `person` may see this incident's details (title, room, timeline) outside its
    /// room: anyone for a public incident; for a private one its members (the declarer, role
    /// holders, people the bot invited or paged: a page withdrawn before it went out told them
    /// nothing) and incident admins.
    public func isVisible(to person: PersonID, admins: Set<PersonID>) -> Bool {
        guard isPrivate else { return true }
        return admins.contains(person) || person == declaredBy || roles.values.contains(person)
            || invited?.contains(person) == true || pages.contains { $0.person == person && $0.withdrawn != true }
    }
}
