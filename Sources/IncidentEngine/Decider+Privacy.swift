import IncidentCore
import IncidentRules

/// Who may see a private incident's details, as the answer to one event reaches them.
extension Decider {
    /// The number of the incident whose room the event was typed in, if any: none when that
    /// incident's row cannot be read (a command naming another incident still goes).
    func roomIncident() throws -> Int? {
        try unlessUnreadable {
            try (records.incident(platform: event.platform, roomID: event.room) ?? records.incident(roomName: event.room))?.incident.number
        }
    }

    /// Whether the answer to this event may show `incident`'s details: a public incident's
    /// always; a private one's in its own room, or when the answer reaches only the asker
    /// (Slack's private answers, the console) and the asker is a member or an incident admin.
    /// An answer posted for the whole room (Matrix) outside the incident's room shows none.
    func mayShow(_ incident: Incident, here: Int?) -> Bool {
        guard incident.isPrivate, here != incident.number else { return true }
        return event.reply != .outboxToRoom && incident.isVisible(to: actor, admins: settings.roster.admins)
    }

    /// Whether the incident's rooms (its home platform's, and the other's when mirrored) were
    /// all made under a private incident's name though it was declared public: it turned
    /// private before they were made (`Incident.roomCreation`). Its declared name still tells
    /// the title. False while none is made, and when one was made public: the room is told
    /// about both by one post.
    func roomMadePrivate(_ stored: StoredIncident) throws -> Bool {
        let platforms = settings.mirror ? Platform.allCases : [stored.home]
        var made = 0
        for platform in platforms where try records.roomID(platform, incident: stored.incident.number) != nil {
            guard let name = try records.renamedRoom(platform, asked: stored.incident.room), RoomName.isPrivateName(name) else { return false }
            made += 1
        }
        return made > 0
    }

    /// Refuses a command about a private incident from outside its room by someone who is not
    /// a member or an admin, and, where the answer would be posted for a whole other room
    /// (Matrix), a query or a change: their answers name the incident's people (its IC, who was
    /// paged). An acknowledgement is taken anywhere: the page asks for it in a direct message.
    func requireAccess(to incident: Incident, for command: Command) throws {
        guard incident.isPrivate else { return }
        let here = try roomIncident()
        guard here != incident.number else { return }
        guard incident.isVisible(to: actor, admins: settings.roster.admins) else {
            throw Refusal(message: "\(incident.id) is private: only its members and incident admins can see or change it.")
        }
        guard event.reply == .outboxToRoom else { return }
        if command.isQuery {
            throw Refusal(message: "\(incident.id) is private: ask about it in its room, where the answer is posted.")
        }
        if command != .ack {
            throw Refusal(message: "\(incident.id) is private: change it in its room, where the answer is posted.")
        }
    }
}
