import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentWire
import Logging

/// What a sync answer's timelines hold: each joined room's events from where the bot arrived
/// (a gap in a busy room completed from `/messages`), and the commands in them, in the order
/// they were sent.
extension MatrixSync {
    /// Each joined room's timeline in a sync answer, oldest first. A timeline cut short
    /// (`limited`: more messages arrived since `since` than the filter's limit, as after the bot
    /// was down during a busy incident) is completed from `/rooms/{room}/messages`, paging back
    /// from its `prev_batch` to `since`, so no command in the gap is skipped.
    ///
    /// A room the bot has just joined comes with the history before it, whatever `since` says:
    /// that is cut where the bot was invited (`sinceArriving`), so a command typed there weeks
    /// ago (a declaration, an `!ack`) is not run when the bot is invited back, while one typed
    /// between the invitation and the join, meant for the bot, is.
    ///
    /// A room the bot was removed from since `since` (kicked while it was down) comes under
    /// `leave`, its timeline up to the removal: a command typed there before it, an `!ack` among
    /// them, is run as it would have been had the bot been up (`removedFrom`), and answered
    /// nowhere. Not an invitation it declined, nor a room it never joined.
    func timelines(_ answer: JSONValue, since: String, me: String) async throws(MatrixError) -> [String: [JSONValue]] {
        var rooms: [String: [JSONValue]] = [:]
        let left = (answer["rooms"]?["leave"]?.object ?? [:]).filter { Self.removedFrom($0.value, me: me) }
        let present = (answer["rooms"]?["join"]?.object ?? [:]).merging(left) { joined, _ in joined }
        for (room, joined) in present {
            let timeline = joined["timeline"]
            var events = timeline?["events"]?.array ?? []
            if timeline?["limited"]?.bool == true, let gapEnd = timeline?["prev_batch"]?.string,
               !events.contains(where: { Self.isArrival($0, me: me) }) {
                let known = Set(events.compactMap { $0["event_id"]?.string })
                do {
                    let missed = try await messages(in: room, before: gapEnd, after: since, me: me)
                    events = missed.filter { !known.contains($0["event_id"]?.string ?? "") } + events
                    logger.info("Matrix sync fetched the messages a busy room's timeline left out",
                                metadata: ["room": "\(room)", "messages": "\(missed.count)"])
                } catch {
                    // The homeserver refuses, or has failed for now for `gapPatience`: one room's
                    // gap must not stall every room's commands (an `!ack` typed elsewhere). A
                    // failure for now is first retried with the whole sync, as a short outage
                    // or a rate limit must not lose the gap's commands.
                    let now = engine.clock.now
                    let failingSince = gapFailures.withLock { failures in
                        if failures[room] == nil { failures[room] = now }
                        return failures[room]!
                    }
                    guard error.code != nil || now - failingSince >= Self.gapPatience else { throw error }
                    logger.warning("Matrix sync cannot fetch a busy room's missed messages; commands among them are not run",
                                   metadata: ["room": "\(room)", "reason": "\(error)"])
                }
            }
            rooms[room] = Self.sinceArriving(events, me: me)
        }
        // Every gap of this batch was filled or given up: a failure kept from an earlier sync
        // must not cut a later gap's patience short.
        gapFailures.withLock { $0.removeAll() }
        return rooms
    }

    /// Whether a room under the sync's `leave` is one the bot was in and was removed from (its
    /// own leave or ban, from a join), not an invitation it declined.
    static func removedFrom(_ left: JSONValue, me: String) -> Bool {
        (left["timeline"]?["events"]?.array ?? []).contains { event in
            event["type"]?.string == "m.room.member" && event["state_key"]?.string == me
                && ["leave", "ban"].contains(event["content"]?["membership"]?.string ?? "") && previousMembership(event) == "join"
        }
    }

    /// The rooms of a sync answer the bot was removed from (`removedFrom`): what was typed there
    /// is run, but answered nowhere, as the bot may not post there, and must not join again.
    static func roomsRemovedFrom(_ answer: JSONValue, me: String) -> Set<String> {
        Set((answer["rooms"]?["leave"]?.object ?? [:]).filter { removedFrom($0.value, me: me) }.keys)
    }

    /// How long one room's gap may fail for now, sync after sync, before it is given up.
    static var gapPatience: Duration { .minutes(2) }

    /// A timeline from where the bot arrived in the room on: after its invitation when the
    /// timeline holds the invitation before its last join (what was said between was said to
    /// the bot, whatever the join's `prev_content` says, which is optional); after the join
    /// when it came without one (a room the bot made); the whole timeline when the bot joined
    /// before it, or was invited before it began.
    static func sinceArriving(_ timeline: [JSONValue], me: String) -> [JSONValue] {
        guard let join = timeline.lastIndex(where: { isOwnMember($0, me: me, "join") && previousMembership($0) != "join" }) else {
            return timeline
        }
        if let invite = timeline[..<join].lastIndex(where: { isOwnMember($0, me: me, "invite") }) {
            return Array(timeline[(invite + 1)...])
        }
        return previousMembership(timeline[join]) == "invite" ? timeline : Array(timeline[(join + 1)...])
    }

    /// Whether `event` is where the bot arrived in its room, what came before being history:
    /// its invitation, or a join without one. Where the sync's timeline holds one, no gap
    /// before it is fetched, and a gap's fetch stops at one.
    static func isArrival(_ event: JSONValue, me: String) -> Bool {
        isOwnMember(event, me: me, "invite")
            || (isOwnMember(event, me: me, "join") && !["join", "invite"].contains(previousMembership(event) ?? ""))
    }

    static func isOwnMember(_ event: JSONValue, me: String, _ membership: String) -> Bool {
        event["type"]?.string == "m.room.member" && event["state_key"]?.string == me && event["content"]?["membership"]?.string == membership
    }

    static func previousMembership(_ event: JSONValue) -> String? {
        event["unsigned"]?["prev_content"]?["membership"]?.string
    }

    /// The room's messages between two positions, oldest first: `GET /rooms/{room}/messages`
    /// backwards from `before` down to `after`, a page of 100 at a time (`pagedBack`). A gap
    /// of over `gapLimit` messages is cut at its newest `gapLimit` (logged): a command typed
    /// that long ago in a room that busy is stale.
    func messages(in room: String, before: String, after: String, me: String) async throws(MatrixError) -> [JSONValue] {
        let gap = try await Self.pagedBack(from: before, limit: settings.gapLimit, me: me) { (from: String) throws(MatrixError) in
            try await client.call(.GET, "rooms/\(MatrixClient.segment(room))/messages", query: [
                "dir": "b", "from": from, "to": after, "limit": "100", "filter": matrixGapFilter,
            ])
        }
        if gap.cut {
            logger.warning("Matrix sync gap too long; older messages in it are not run",
                           metadata: ["room": "\(room)", "kept": "\(gap.messages.count)"])
        }
        return gap.messages
    }

    /// Pages of `/messages` (`page(from)`), newest first, until the answer has no `end` (the
    /// spec's sign that nothing is left; an empty `chunk` is not, as where the filter or the
    /// bot's absence hid a page's events), or the page where the bot arrived in the room (what
    /// came before is history). At most `limit` messages, and as many pages as `limit` would
    /// fill twice over: a server that keeps answering empty pages is a gap cut, not a loop.
    /// Oldest first; `cut` when older messages were left.
    static func pagedBack(from before: String, limit: Int, me: String,
                          page: (String) async throws(MatrixError) -> JSONValue) async throws(MatrixError)
        -> (messages: [JSONValue], cut: Bool) {
        var newestFirst: [JSONValue] = []
        var from = before
        for _ in 0..<(2 * (limit / 100) + 10) where newestFirst.count < limit {
            let answer = try await page(from)
            let chunk = answer["chunk"]?.array ?? []
            newestFirst += chunk
            if chunk.contains(where: { isArrival($0, me: me) }) { return (newestFirst.reversed(), false) }
            guard let end = answer["end"]?.string, end != from else { return (newestFirst.reversed(), false) }
            from = end
        }
        return (newestFirst.prefix(limit).reversed(), true)
    }

    /// The commands in a sync answer, in the order they were sent (`inTimeOrder`): text
    /// messages starting with `!` or `/` from anyone but the bot, edits excluded. Also, per room, the first
    /// encrypted message from someone else (the bot cannot read those), as an empty event, and
    /// the edits (`m.replace`) whose new text reads as a command, with that text: an edit is
    /// not carried out, and whoever made it is told so.
    static func commands(in timelines: [String: [JSONValue]], me: String, sentAfter: Int64? = nil)
        -> (commands: [ChatEvent], unreadable: [ChatEvent], edits: [ChatEvent]) {
        var events: [ChatEvent] = []
        var unreadable: [ChatEvent] = []
        var edits: [ChatEvent] = []
        for (room, event) in inTimeOrder(timelines) {
            guard let id = event["event_id"]?.string, let sender = event["sender"]?.string, sender != me else { continue }
            if let sentAfter, let sent = event["origin_server_ts"]?.int, Int64(sent) < sentAfter { continue }
            if event["type"]?.string == "m.room.encrypted", !unreadable.contains(where: { $0.room == room }) {
                unreadable.append(ChatEvent(platform: .matrix, id: id, room: room, user: sender, text: "", reply: .outboxToRoom))
            }
            guard event["type"]?.string == "m.room.message",
                  let content = event["content"], content["msgtype"]?.string == "m.text" else { continue }
            if content["m.relates_to"]?["rel_type"]?.string == "m.replace" {
                if let edited = content["m.new_content"]?["body"]?.string, edited.startsAsCommand {
                    edits.append(ChatEvent(platform: .matrix, id: id, room: room, user: sender, text: edited, reply: .outboxToRoom))
                }
                continue
            }
            guard var body = content["body"]?.string else { continue }
            var html = content["format"]?.string == "org.matrix.custom.html" ? content["formatted_body"]?.string : nil
            // A reply from an older client quotes what it answers first (`> ...` and
            // `<mx-reply>`): `!ack INC-4` typed as a reply to the page is still the command.
            if content["m.relates_to"]?["m.in_reply_to"] != nil {
                body = withoutReplyFallback(body)
                html = html.map(withoutReplyFallback(html:))
            }
            let text = commandText(body, html: html)
            guard text.startsAsCommand else { continue }
            events.append(ChatEvent(platform: .matrix, id: id, room: room, user: sender, text: text, reply: .outboxToRoom))
        }
        return (events, unreadable, edits)
    }

    /// The events of every room in one sequence, in the order they were sent: each room's in
    /// its own timeline's order (the homeserver's), the rooms interleaved by `origin_server_ts`
    /// (ties, and events without one, by room id). After downtime a batch holds several rooms'
    /// commands, and an `!ic INC-5` typed in one room after INC-5 was declared in another must
    /// be decided after the declaration, whatever the rooms' ids.
    static func inTimeOrder(_ timelines: [String: [JSONValue]]) -> [(room: String, event: JSONValue)] {
        var rooms = timelines.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { (room: $0.key, events: $0.value[...]) }
        var merged: [(room: String, event: JSONValue)] = []
        merged.reserveCapacity(rooms.reduce(0) { $0 + $1.events.count })
        while true {
            var next: Int?
            for index in rooms.indices {
                guard let head = rooms[index].events.first else { continue }
                guard let best = next, let bestHead = rooms[best].events.first else { next = index; continue }
                if (head["origin_server_ts"]?.int ?? Int.max) < (bestHead["origin_server_ts"]?.int ?? Int.max) { next = index }
            }
            guard let index = next else { return merged }
            merged.append((rooms[index].room, rooms[index].events.removeFirst()))
        }
    }

    /// The text a command is read from: the plain body, with each pill of the HTML body (which
    /// clients show as the person's display name) replaced by the Matrix id it links to.
    ///
    /// Bounded in the text: the HTML is read once from left to right, each label is looked
    /// for in the body after the previous one (pills come in the same order in both), no more
    /// than `pillLimit` pills are read (no command names that many people), no label longer
    /// than a display name may be (`pillLabelLimit`), and the searches together compare at
    /// most `pillSearchBudget` characters' worth (a search for a near-miss label can cost the
    /// body's length times the label's). Only a body that reads as a command is searched at
    /// all: anyone in a room can send the bot a message.
    static func commandText(_ body: String, html: String?) -> String {
        guard let html, html.contains("https://matrix.to/#/"),
              body.startsAsCommand else { return body }
        var text = ""
        var unread = Substring(body)
        var rest = Substring(html)
        var pills = 0
        var searched = 0
        while pills < pillLimit, let start = rest.range(of: "<a href=\"https://matrix.to/#/") {
            pills += 1
            rest = rest[start.upperBound...]
            guard let quote = rest.firstIndex(of: "\""), let open = rest[quote...].firstIndex(of: ">"),
                  let close = rest[open...].range(of: "</a>") else { break }
            let target = String(rest[..<quote]).removingPercentEncoding ?? String(rest[..<quote])
            let label = rest[rest.index(after: open)..<close.lowerBound]
            rest = rest[close.upperBound...]
            guard target.hasPrefix("@"), !label.isEmpty, label.utf8.count <= pillLabelLimit else { continue }
            // A label that reads as a mention itself (`@alice:example.org`, or `@alice`, which
            // the roster resolves) names whom it says, whatever the link says: a body reading
            // `@alice:example.org` over a link to an impostor's account (a wrong tab-completion,
            // or crafted) named the impostor IC. The body's own words stand, unless they are the
            // link's own id. Its local part alone stands too: `@frank` over a link to
            // `@frank:example.org` named that account IC while the roster's frank is on another
            // server, and a stranger needs only the display name `@frank` to be offered.
            if label.hasPrefix("@"), label != target { continue }
            searched += unread.utf8.count * label.utf8.count
            guard searched <= pillSearchBudget else { break }
            guard let found = unread.range(of: label) else { continue }
            // An `@` typed before the label (`@alice` over a pill labelled `alice`) makes it a
            // mention as shown, read by the rule above; it read `@@eve:example.org`, which named
            // nobody. The body's `@alice` stands unless the link is alice's own account.
            var before = unread[..<found.lowerBound]
            if before.last == "@" {
                let shown = "@" + label
                if shown != target { continue }
                before.removeLast()
            }
            text += before
            text += target
            unread = unread[found.upperBound...]
        }
        return text + unread
    }

    static var pillLimit: Int { 32 }
    /// Synapse's limit on a display name, in bytes: a longer label names nobody.
    static var pillLabelLimit: Int { 256 }
    /// The most body-characters-times-label-characters the pills' searches may cost a
    /// message: a few milliseconds; an ordinary command with a few pills costs thousands.
    static var pillSearchBudget: Int { 4_000_000 }
}
