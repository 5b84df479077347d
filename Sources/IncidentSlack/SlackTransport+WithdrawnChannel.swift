import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentWire

/// A public channel named after the title, left by a creation cut short before the incident
/// turned private: the channel was made, then its answer was lost (a crash, a timeout) or its
/// topic failed, and the retry made the private channel a private incident gets. Nobody uses
/// the public one, but its name tells the title to the whole workspace, so it is renamed to a
/// name that tells nothing and archived. (Only a workspace admin may delete a channel, and
/// Slack keeps its former name among its `previous_names`.)
extension SlackTransport {
    /// Renames and archives what this job's earlier attempt made public: the channel this
    /// process knows it made, or else, when the attempt may have reached Slack, each channel
    /// found that can only be its: named `publicName` or one of its suffixes, made by the bot
    /// after the job was queued, untouched (no topic, nobody but the bot in it), and neither
    /// bound to an incident nor named as another incident's room, nor another job's channel
    /// this process is still making. Never `keeping`, the private channel just made, and never
    /// fails the creation: a channel left as it was is logged for an operator.
    func withdrawPublicChannel(madeAs publicName: String, job: TransportJob, keeping: String) async {
        var found: [(id: String, name: String)] = []
        if let known = state.withLock({ $0.leftPublic[job.key] }) {
            found = [(known, publicName)]
        } else if job.maybeSent {
            let names = Set(RoomNameCandidates(publicName, limit: Self.channelNameLimit, key: job.key, secret: api.token).all)
                .subtracting(job.othersRoomNames)
            let making = state.withLock { Set($0.created.values.map(\.id)) }
            do throws(SlackAPIError) {
                let me = try await botUser()
                try await scanChannels(isPrivate: false) { channel in
                    if let id = channel["id"]?.string, let name = channel["name"]?.string,
                       names.contains(name) || name == Self.withdrawnName(id), id != keeping,
                       !making.contains(id), Self.madeBy(me, for: job, channel), Self.isUntouched(channel) {
                        found.append((id, name))
                    }
                    return false
                }
            } catch {
                logger.error("cannot look for a public channel made before the incident turned private; archive it by hand if there is one",
                             metadata: ["incident": "\(job.incident.map { "INC-\($0)" } ?? "?")", "error": "\(error)"])
                return
            }
        }
        for channel in found where channel.id != keeping { await withdraw(channel, as: Self.withdrawnName(channel.id)) }
        state.withLock { _ = $0.leftPublic.removeValue(forKey: job.key) }
    }

    /// Renames the channel to `hidden`, then archives it; archived even when the rename is
    /// refused (a workspace that lets only admins rename channels).
    func withdraw(_ channel: (id: String, name: String), as hidden: String) async {
        var renamed = channel.name == hidden
        if !renamed {
            do throws(SlackAPIError) {
                try await call("conversations.rename", ["channel": channel.id, "name": hidden])
                renamed = true
            } catch {
                logger.error("cannot rename a public channel made before the incident turned private; archiving it under its name",
                             metadata: ["channel": "\(channel.id)", "error": "\(error)"])
            }
        }
        do throws(SlackAPIError) {
            do throws(SlackAPIError) {
                try await call("conversations.archive", ["channel": channel.id])
            } catch where error.code == "already_archived" {}
            logger.notice("public channel made before the incident turned private \(renamed ? "renamed and " : "")archived",
                          metadata: ["channel": "\(channel.id)"])
        } catch {
            logger.error("a public channel made before the incident turned private is left; archive it by hand (a workspace admin may delete it)",
                         metadata: ["channel": "\(channel.id)", "error": "\(error)"])
        }
    }

    /// Nothing was done in it: no topic, and nobody but the bot. Every room the bot finishes
    /// has its topic set before its creation's answer returns.
    static func isUntouched(_ channel: JSONValue) -> Bool {
        (channel["topic"]?["value"]?.string ?? "").isEmpty && (channel["num_members"]?.int ?? 0) <= 1
    }

    /// What a withdrawn public channel is renamed to: `incident-withdrawn-` and its id, unique
    /// in the workspace (a name made from the job's key was taken again after a restored
    /// database numbered its incidents alike, and the channel kept its title).
    static func withdrawnName(_ id: String) -> String { "incident-withdrawn-" + id.lowercased() }
}
