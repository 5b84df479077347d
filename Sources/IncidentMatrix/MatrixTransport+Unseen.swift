import IncidentCore
import IncidentEngine

/// A homeserver notifies nobody of a room they have not joined: an IC named from the lobby
/// holds only an invitation to the incident's room, and its nudges went unseen there. After
/// such a message is posted, the transport says which of the people it asks to act are not in
/// the room, and delivery queues each a direct copy (`TransportReceipt.deliveredUnseen`).
extension MatrixTransport {
    /// The receipt for `message`, posted in `room`: the people it asks to act who have only
    /// been invited, have left or were never in the room. A look-up that fails counts the
    /// person as in the room: the post went out, and a copy is a help, not the delivery.
    func receipt(for message: Message, postedIn room: String, job: TransportJob) async -> TransportReceipt {
        guard message.kind.asksItsMentions else { return .delivered }
        var unseen: [PersonID] = []
        for person in Set(message.mentions).sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let account = job.people[person]?.account else { continue }
            do {
                switch try await membership(of: account, in: room) {
                case .invited, .left: unseen.append(person)
                case .joined, .gone: continue
                }
            } catch {
                logger.warning("cannot tell whether someone a nudge asks to act is in its room", metadata: [
                    "person": "\(person)", "error": "\(error)",
                ])
            }
        }
        return unseen.isEmpty ? .delivered : .deliveredUnseen(by: unseen)
    }
}
