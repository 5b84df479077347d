import IncidentCore
import IncidentEngine
import Logging

/// A message that asks someone to act (a nudge, a reminder, a warning), posted in a room they
/// have not joined: an IC named from the lobby has only an invitation, and a homeserver
/// notifies nobody of messages in a room they were only invited to, so the nudge sat unseen
/// until the ladder climbed an hour later. Each such person also gets a copy directly, asking
/// them to join. A copy is best effort: one that cannot go is logged, and the post stands.
extension MatrixTransport {
    func copyToThoseNotInRoom(_ message: Message, room: String, job: TransportJob, key: String) async {
        guard message.kind.callsForAttention else { return }
        var copied: Set<PersonID> = []
        for person in message.mentions where copied.insert(person).inserted {
            guard let account = job.people[person]?.account else { continue }
            do {
                switch try await membership(of: account, in: room) {
                case .joined, .gone: continue
                case .invited, .left: break
                }
                let copyKey = key + "/" + person.rawValue
                let content = MatrixFormat.notice(Self.notJoinedCopy(message, incident: job.incident), people: job.people)
                try await send(content, to: try await directRoom(account, for: copyKey), key: copyKey)
            } catch {
                logger.warning("cannot copy a message to someone not in its room", metadata: [
                    "person": "\(person)", "error": "\(error)",
                ])
            }
        }
    }

    /// The message as it comes directly, saying where it was posted.
    static func notJoinedCopy(_ message: Message, incident: Int?) -> Message {
        let room = incident.map { "INC-\($0)'s room" } ?? "a room"
        let why: [Span] = [.strong("📣 Posted in \(room), which you have not joined: "),
                           .text("accept its invitation to follow the incident there.")]
        return Message(lines: [why] + message.lines, actions: message.actions, kind: message.kind)
    }
}
