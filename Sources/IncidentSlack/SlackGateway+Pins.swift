import IncidentCommands
import IncidentCore
import IncidentEngine
import IncidentWire

/// A timeline from pins on Slack: `pin_added` / `pin_removed` of a message, and the
/// configured reaction (`reaction_added` / `reaction_removed`, 📌 `pushpin` by default), in an
/// incident's channel.
extension SlackGateway {
    /// The pin change an event callback stands for, or nil: not a pin or the timeline
    /// reaction, the bot's own, not in an incident's channel, or a message Slack no longer has.
    /// Throws when the store or Slack fails for now, so the event is not acknowledged and Slack
    /// sends it again.
    func pinEvent(_ callback: SlackRequest.EventCallback) async throws -> ChatEvent? {
        let event = callback.event
        let how: PinHow
        let added: Bool
        switch callback.type {
        case "pin_added", "pin_removed":
            (how, added) = (.pin, callback.type == "pin_added")
        case "reaction_added", "reaction_removed":
            guard !timelineReaction.isEmpty, Self.reactionName(event["reaction"]?.string ?? "") == timelineReaction else { return nil }
            (how, added) = (.reaction, callback.type == "reaction_added")
        default:
            return nil
        }
        let item = event["item"]
        guard let user = callback.user, user != callback.botUserID, item?["type"]?.string == "message",
              let channel = item?["channel"]?.string ?? event["channel_id"]?.string,
              let ts = item?["ts"]?.string ?? item?["message"]?["ts"]?.string
        else { return nil }
        // Someone over their limit of pin changes would be refused anyway: read nothing back
        // from Slack for them (the same rate tier delivery's repeat check uses).
        guard !engine.pinLimiter.isOver(.slack, user, at: engine.clock.now), try await engine.isIncidentRoom(.slack, channel) else { return nil }
        let id = "event:" + callback.eventID
        guard added else { return ChatEvent(platform: .slack, id: id, room: channel, user: user, pin: .unmark(messageID: ts, how: how)) }
        let message: JSONValue
        if let carried = item?["message"], carried["text"] != nil {
            message = carried
        } else if readBacks.admit(.slack, user, at: engine.clock.now) != .allowed {
            return nil
        } else if let fetched = try await self.message(ts, in: channel) {
            message = fetched
        } else {
            logger.notice("a message marked for the timeline could not be read from Slack", metadata: ["channel": "\(channel)", "ts": "\(ts)"])
            return nil
        }
        let author = message["user"]?.string ?? message["bot_id"]?.string ?? "unknown"
        let post = PinnedPost(messageID: ts, author: author, text: FreeText.readable(message["text"]?.string ?? ""),
                              postedAt: Timestamp(secondsSinceEpoch: Int64(ts.prefix { $0 != "." }) ?? engine.clock.now.secondsSinceEpoch))
        return ChatEvent(platform: .slack, id: id, room: channel, user: user, pin: .mark(post, how: how, markID: nil))
    }

    /// One message by its `ts`: from the channel's history, or else a thread's replies. nil
    /// when Slack does not have it (deleted) or will not say (a missing scope, logged). Read
    /// while Slack waits 3 s for the event's answer: `readBackLimit` (a second) a call, so a
    /// slow Slack gets a 500 it sends again, not a late answer it has given up on.
    func message(_ ts: String, in channel: String) async throws -> JSONValue? {
        guard let api = api?.withTimeout(readBackLimit) else { return nil }
        let window = ["channel": channel, "latest": ts, "oldest": ts, "inclusive": "true", "limit": "1"]
        do throws(SlackAPIError) {
            let history = try await api.call("conversations.history", window)
            if let found = history["messages"]?.array?.first(where: { $0["ts"]?.string == ts }) { return found }
            // A reply in a thread: the thread's parent comes first whatever the window, so read a few.
            let thread = try await api.call("conversations.replies", window.merging(["ts": ts, "limit": "10"]) { _, new in new })
            return thread["messages"]?.array?.first { $0["ts"]?.string == ts }
        } catch {
            let code = error.code ?? ""
            guard !code.isEmpty, !SlackAPIError.transientErrors.contains(code) else { throw error }
            if code != "thread_not_found" && code != "message_not_found" {
                logger.warning("cannot read a message marked for the timeline", metadata: ["channel": "\(channel)", "error": "\(error)"])
            }
            return nil
        }
    }

    /// A reaction's name without its skin tone (`+1::skin-tone-2` is `+1`).
    static func reactionName(_ name: String) -> String {
        name.range(of: "::").map { String(name[..<$0.lowerBound]) } ?? name
    }
}
