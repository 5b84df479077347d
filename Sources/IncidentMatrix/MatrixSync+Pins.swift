import IncidentCore
import IncidentEngine
import IncidentWire

/// A timeline from reactions on Matrix: the configured reaction (`matrix.timeline_reaction`, 📌
/// by default) on a message of an incident's room puts it on the timeline; redacting the
/// reaction (what a client does when it is taken back), or the message itself, takes it off.
extension MatrixSync {
    /// Whether the timelines hold a reaction or a redaction at all (so the batch's pins need a
    /// second transaction).
    static func mayHavePins(_ timelines: [String: [JSONValue]]) -> Bool {
        timelines.values.contains { $0.contains { ["m.reaction", "m.room.redaction"].contains($0["type"]?.string ?? "") } }
    }

    /// The pin changes in a sync answer's timelines, oldest first within each room, from the
    /// served accounts other than the bot, in incident rooms only. Throws when the homeserver
    /// or the store fails for now: the whole batch is synced again.
    func pinEvents(in timelines: [String: [JSONValue]], me: String, sentAfter: Int64?) async throws(MatrixError) -> [ChatEvent] {
        let key = Self.reactionKey(settings.timelineReaction)
        let community = engine.settings.community
        let roster = engine.settings.roster
        var candidates: [(room: String, event: JSONValue)] = []
        for (room, timeline) in timelines.sorted(by: { $0.key < $1.key }) {
            for event in timeline {
                guard event["event_id"]?.string != nil, let sender = event["sender"]?.string, sender != me,
                      community.serves(.matrix, account: sender, roster: roster) else { continue }
                if let sentAfter, let sent = event["origin_server_ts"]?.int, Int64(sent) < sentAfter { continue }
                switch event["type"]?.string {
                case "m.reaction":
                    let relation = event["content"]?["m.relates_to"]
                    guard !key.isEmpty, relation?["rel_type"]?.string == "m.annotation", relation?["event_id"]?.string != nil,
                          Self.reactionKey(relation?["key"]?.string ?? "") == key else { continue }
                    candidates.append((room, event))
                case "m.room.redaction":
                    candidates.append((room, event))
                default:
                    continue
                }
            }
        }
        guard !candidates.isEmpty else { return [] }
        let incidentRooms: Set<String>
        do {
            incidentRooms = try await engine.incidentRooms(.matrix, among: Set(candidates.map(\.room)))
        } catch {
            throw .unavailable("cannot read the store: \(error)")
        }
        let admitted = MarksRead.admitted(candidates.filter { incidentRooms.contains($0.room) }.map(\.event)) {
            roster.lists(roster.identify(.matrix, accountID: $0))
        }
        var changes: [ChatEvent] = []
        var leftOutSaid = false
        for (room, event) in candidates where incidentRooms.contains(room) {
            guard let id = event["event_id"]?.string, let sender = event["sender"]?.string else { continue }
            if event["type"]?.string == "m.room.redaction" {
                // Room version 11 moved `redacts` into the content; older versions keep it on top.
                guard let redacts = event["content"]?["redacts"]?.string ?? event["redacts"]?.string else { continue }
                changes.append(ChatEvent(platform: .matrix, id: id, room: room, user: sender, pin: .unmarkByID(redacts)))
                continue
            }
            guard let target = event["content"]?["m.relates_to"]?["event_id"]?.string else { continue }
            // Past the cap a mark is left out (logged once a batch); the redactions after it
            // still count, so nothing taken back stays on a timeline.
            guard admitted.contains(id) else {
                if !leftOutSaid {
                    logger.warning("too many messages marked for the timeline in one sync; the rest are left out", metadata: ["room": "\(room)"])
                    leftOutSaid = true
                }
                continue
            }
            guard let post = try await message(target, in: room) else { continue }
            changes.append(ChatEvent(platform: .matrix, id: id, room: room, user: sender, pin: .mark(post, how: .reaction, markID: id)))
        }
        return changes
    }

    /// The message a reaction is on, as a pinned post; nil when it is no text message, or the
    /// homeserver will not give it (redacted, not visible to the bot: logged).
    func message(_ id: String, in room: String) async throws(MatrixError) -> PinnedPost? {
        let event: JSONValue
        do {
            event = try await client.call(.GET, "rooms/\(MatrixClient.segment(room))/event/\(MatrixClient.segment(id))")
        } catch where error.code != nil {
            logger.notice("cannot read a Matrix message marked for the timeline", metadata: ["room": "\(room)", "reason": "\(error)"])
            return nil
        }
        guard event["type"]?.string == "m.room.message", let body = event["content"]?["body"]?.string,
              let author = event["sender"]?.string, let sent = event["origin_server_ts"]?.int else { return nil }
        // An edited message as it reads now: the latest edit's new content, when the
        // homeserver bundles it.
        let edited = event["unsigned"]?["m.relations"]?["m.replace"]?["content"]?["m.new_content"]?["body"]?.string
        let isReply = event["content"]?["m.relates_to"]?["m.in_reply_to"] != nil
        return PinnedPost(messageID: id, author: author, text: edited ?? (isReply ? Self.withoutReplyFallback(body) : body),
                          postedAt: Timestamp(secondsSinceEpoch: Int64(sent) / 1_000))
    }

    /// A reaction's key without emoji presentation selectors (U+FE0F), which some clients add
    /// and others leave out.
    static func reactionKey(_ key: String) -> String {
        String(String.UnicodeScalarView(key.unicodeScalars.filter { $0 != "\u{FE0F}" }))
    }

    /// A reply's body without the quoted lines (`> ...`) older clients put before it.
    static func withoutReplyFallback(_ body: String) -> String {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        let rest = lines.drop { $0.hasPrefix(">") }.drop { $0.isEmpty }
        return rest.isEmpty ? body : rest.joined(separator: "\n")
    }

    /// A reply's HTML body without the `<mx-reply>` block older clients put before it.
    static func withoutReplyFallback(html: String) -> String {
        guard html.hasPrefix("<mx-reply>"), let end = html.range(of: "</mx-reply>") else { return html }
        return String(html[end.upperBound...])
    }
}

/// Which marked messages a sync batch reads back from the homeserver: at most `perBatch`; more
/// (a flood of reactions) are left out, logged. Those of people on the roster go first, then
/// the others', each in order: a stranger's 120 marks in one sync filled the cap, and a
/// responder's "root cause" mark after them was left out for good.
enum MarksRead {
    static let perBatch = 50

    /// The ids of the marks (reactions) among `events` that are read; `listed`: whether a
    /// sender is on the roster.
    static func admitted(_ events: [JSONValue], listed: (String) -> Bool) -> Set<String> {
        let marks = events.filter { $0["type"]?.string == "m.reaction" }
        let (first, rest) = (marks.filter { listed($0["sender"]?.string ?? "") }, marks.filter { !listed($0["sender"]?.string ?? "") })
        return Set((first + rest).prefix(perBatch).compactMap { $0["event_id"]?.string })
    }
}
