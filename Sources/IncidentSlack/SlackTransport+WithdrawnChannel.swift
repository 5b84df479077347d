import IncidentEngine
import IncidentHTTP

/// A public channel named after the title, left by a creation cut short before the incident
/// turned private: the channel was made, its answer lost (a crash, a timeout), and the retry
/// made the private channel a private incident gets. Nobody uses the public one, but its name
/// tells the title to the whole workspace, so it is renamed to a name that tells nothing and
/// archived. (Only a workspace admin may delete a channel.)
extension SlackTransport {
    /// Looks for a public channel this job's earlier attempt made under `publicName` (or its
    /// `-2`, ..., or the name it is renamed to here, when the rename's answer was lost), then
    /// renames and archives it. Never fails the creation: the private channel is made, and a
    /// channel left as it was is logged for an operator to archive by hand.
    func withdrawPublicChannel(madeAs publicName: String, job: TransportJob) async {
        let hidden = RoomNameCandidates(Self.withdrawnChannelName, limit: Self.channelNameLimit, key: job.key, secret: api.token).unguessable
        let names = Set(RoomNameCandidates(publicName, limit: Self.channelNameLimit, key: job.key, secret: api.token).all + [hidden])
        var channel: String?
        do throws(SlackAPIError) {
            guard let made = try await findChannelMadeEarlier(named: names, isPrivate: false, job: job) else { return }
            channel = made.id
            if made.name != hidden { try await call("conversations.rename", ["channel": made.id, "name": hidden]) }
            do throws(SlackAPIError) {
                try await call("conversations.archive", ["channel": made.id])
            } catch where error.code == "already_archived" {}
            logger.notice("public channel made before the incident turned private renamed and archived", metadata: [
                "channel": "\(made.id)", "name": "\(hidden)",
            ])
        } catch {
            logger.error("a public channel made before the incident turned private still tells its title; rename and archive it by hand",
                         metadata: ["channel": "\(channel ?? "not found")", "error": "\(error)"])
        }
    }

    /// What a withdrawn public channel is renamed to, before the suffix that keeps it unique.
    static let withdrawnChannelName = "incident-withdrawn"
}
