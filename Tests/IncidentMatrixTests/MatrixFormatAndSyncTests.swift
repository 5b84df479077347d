import IncidentCore
import IncidentEngine
import IncidentPolicy
@testable import IncidentMatrix
import IncidentWire
import Synchronization
import Testing

/// Rendering and reading without a homeserver: what goes into a notice, what counts as a command.
@Suite struct MatrixFormatAndSyncTests {
    static let people: [PersonID: Contact] = [
        PersonID("alice"): Contact(person: PersonID("alice"), handle: "@alice", account: "@alice:example.org"),
        PersonID("dave"): Contact(person: PersonID("dave"), handle: "@dave", account: nil),
    ]

    @Test func aNoticeHasPlainAndHTMLBodiesAndMentionsOnlyThePeopleNamed() {
        var message = Message(.strong("INC-4"), .text(" paged "), .mention(PersonID("alice")), .text(" and "), .mention(PersonID("dave")))
        message.line(.text("Summary: "), .userText("<script>x</script> & @room \"quoted\""))
        message.line(.command("ack INC-4"), .text(" "), .link(url: "https://runbooks.example.org/db", label: "runbook"),
                     .text(" "), .link(url: "javascript:alert(1)", label: "bad"))
        let content = MatrixFormat.notice(message, people: Self.people)
        #expect(content["msgtype"] == "m.notice")
        // What must notify is m.text: clients keep a bot's notices silent by default.
        for kind in [Message.Kind.page, .nudge, .reminder] {
            var calling = message
            calling.kind = kind
            #expect(MatrixFormat.notice(calling, people: Self.people)["msgtype"] == "m.text", "\(kind)")
        }
        #expect(content["format"] == "org.matrix.custom.html")
        #expect(content["m.mentions"] == ["user_ids": ["@alice:example.org"]])
        let html = content["formatted_body"]?.string ?? ""
        #expect(html.hasPrefix("<strong>INC-4</strong> paged <a href=\"https://matrix.to/#/@alice:example.org\">@alice</a> and @dave<br>"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt; &amp; @\u{2060}room &quot;quoted&quot;"))
        #expect(html.contains("<code>!ack INC-4</code> <a href=\"https://runbooks.example.org/db\">runbook</a> bad (javascript:alert(1))"))
        let body = content["body"]?.string ?? ""
        #expect(body.hasPrefix("INC-4 paged @alice:example.org and @dave\nSummary: <script>x</script> & @\u{2060}room"))
    }

    /// A room with a known id is linked in the HTML; an id that could end the link's attribute
    /// or fragment is not used.
    @Test func aRoomWithAKnownIDIsLinkedInTheHTML() {
        let message = Message(.text("Room: "), .room("incident-20261124-checkout"))
        #expect(MatrixFormat.html(message, people: [:], rooms: ["incident-20261124-checkout": "!abc:example.org"])
                    == "Room: <a href=\"https://matrix.to/#/!abc:example.org\">#incident-20261124-checkout</a>")
        for hostile in ["!a\"onclick=x", "abc:example.org", "!a b:x", "!a?via=evil:x", "!a<b:x"] {
            #expect(MatrixFormat.html(message, people: [:], rooms: ["incident-20261124-checkout": hostile]) == "Room: #incident-20261124-checkout", "\(hostile)")
        }
        #expect(MatrixFormat.body(message, people: [:]) == "Room: #incident-20261124-checkout")
    }

    @Test func commandsInMessagesAreShownAsMatrixClientsLetPeopleTypeThem() {
        // Commands are marked where the bot writes them (messages and refusals alike); Matrix
        // shows them with !, and nothing else that merely has a slash in it changes.
        let refusal: BotText = "There is no INC-9; \(command: "incident list") shows the open incidents (or \(command: "ic @you"))."
        let message = Message(lines: [
            [.text("Acknowledge with "), .command("ack INC-4"), .text(".")],
            Message.refusal(refusal).lines[0],
            [.text("Runbook: "), .link(url: "https://runbooks.example.com/incident/p0", label: "https://runbooks.example.com/incident/p0")],
            [.text("and/or /icons /tmp/update /ack"), .userText(" typed: /ack INC-4")],
        ])
        let body = MatrixFormat.body(message, people: [:])
        #expect(body == """
            Acknowledge with !ack INC-4.
            There is no INC-9; !incident list shows the open incidents (or !ic @you).
            Runbook: https://runbooks.example.com/incident/p0
            and/or /icons /tmp/update /ack typed: /ack INC-4
            """)
        let notice = MatrixFormat.notice(message, people: [:])
        #expect(notice["body"]?.string == body)
        #expect(notice["formatted_body"]?.string?.contains("<code>!ack INC-4</code>") == true)
        // Slack and the console write the same message with /.
        #expect(message.plainText().hasPrefix("Acknowledge with /ack INC-4.\nThere is no INC-9; /incident list shows"))
        #expect(refusal.description == "There is no INC-9; /incident list shows the open incidents (or /ic @you).")
    }

    /// An account registered as `@room:…` and named IC: neither the body nor the HTML carries
    /// a broadcast `@room`; the pill still mentions the account itself.
    @Test func anAccountNamedLikeABroadcastPingsNoRoom() {
        let people: [PersonID: Contact] = ["mallory": Contact(person: "mallory", handle: "@room:example.org", account: "@room:example.org")]
        let message = Message(.mention("mallory"), .text(" is now the incident commander of INC-1."))
        let notice = MatrixFormat.notice(message, people: people)
        #expect(notice["body"]?.string == "@\u{2060}room:example.org is now the incident commander of INC-1.")
        #expect(notice["m.mentions"]?["user_ids"] == ["@room:example.org"])
        #expect(notice["formatted_body"]?.string?.contains(">@\u{2060}room:example.org</a>") == true, "\(notice["formatted_body"]?.string ?? "")")
    }

    @Test func onlyTextCommandsFromOthersAreRead() {
        func message(_ id: String, _ sender: String, _ content: JSONValue) -> JSONValue {
            ["type": "m.room.message", "event_id": .string(id), "sender": .string(sender), "content": content]
        }
        let timeline: [JSONValue] = [
            message("$1", "@alice:example.org", ["msgtype": "m.text", "body": "!incident declare DB down"]),
            message("$2", "@bot:example.org", ["msgtype": "m.notice", "body": "/ack"]),
            message("$3", "@bot:example.org", ["msgtype": "m.text", "body": "/ack"]),
            message("$4", "@alice:example.org", ["msgtype": "m.text", "body": "hello /ack"]),
            message("$5", "@alice:example.org", ["msgtype": "m.text", "body": "* !sev P0",
                                                 "m.new_content": ["msgtype": "m.text", "body": "!sev P0"],
                                                 "m.relates_to": ["rel_type": "m.replace", "event_id": "$1"]]),
            message("$5b", "@alice:example.org", ["msgtype": "m.text", "body": "* fixed a typo",
                                                  "m.new_content": ["msgtype": "m.text", "body": "fixed a typo"],
                                                  "m.relates_to": ["rel_type": "m.replace", "event_id": "$4"]]),
            message("$6", "@alice:example.org", ["msgtype": "m.emote", "body": "/ack"]),
            ["type": "m.room.member", "event_id": "$7", "sender": "@alice:example.org", "content": ["membership": "join"]],
            message("$8", "@bob:example.org", ["msgtype": "m.text", "body": "  /ack"]),
            ["type": "m.room.encrypted", "event_id": "$9", "sender": "@alice:example.org", "content": ["algorithm": "m.megolm.v1.aes-sha2"]],
            ["type": "m.room.encrypted", "event_id": "$10", "sender": "@bob:example.org", "content": ["algorithm": "m.megolm.v1.aes-sha2"]],
        ]
        let read = MatrixSync<ManualClock>.commands(in: ["!lobby:example.org": timeline], me: "@bot:example.org")
        let events = read.commands
        #expect(events.map(\.id) == ["$1", "$8"])
        // An edit is never run; one whose new text is a command is kept to answer its author.
        #expect(read.edits.map(\.id) == ["$5"] && read.edits.map(\.text) == ["!sev P0"])
        #expect(MatrixFormat.notice(Notice.editedCommand("!sev P0", answering: read.edits[0]).message, people: [:])["body"]?.string
            == "✏️ An edited message is not run as a command: !sev P0 was not carried out, and what the message first said stands. "
            + "Send it again as a new message.")
        // An encrypted message cannot be read: its room is named once, by its first one.
        #expect(read.unreadable.map(\.room) == ["!lobby:example.org"] && read.unreadable.map(\.id) == ["$9"])
        #expect(events.allSatisfy { $0.reply == .outboxToRoom && $0.platform == .matrix && $0.room == "!lobby:example.org" })
    }

    /// Older clients quote what a reply answers before the reply itself: `!ack INC-4` typed
    /// as a reply to the page was not read at all, and the page climbed. A reply that only
    /// quotes a command is still no command.
    @Test func aCommandTypedAsAReplyIsRead() {
        let quote = "> <@bot:example.org> INC-4 (P1) Payments down: you are paged as on-call.\n> Acknowledge with !ack INC-4.\n\n"
        let html = #"<mx-reply><blockquote><a href="https://matrix.to/#/$page">In reply to</a> "#
            + #"<a href="https://matrix.to/#/@bot:example.org">incident-bot</a><br>INC-4 (P1) Payments down</blockquote></mx-reply>"#
        func reply(_ id: String, _ body: String, html: String? = nil) -> JSONValue {
            var content: [String: JSONValue] = ["msgtype": "m.text", "body": .string(body),
                                                "m.relates_to": ["m.in_reply_to": ["event_id": "$page"]]]
            if let html { content["format"] = "org.matrix.custom.html"; content["formatted_body"] = .string(html) }
            return ["type": "m.room.message", "event_id": .string(id), "sender": "@bob:example.org", "content": .object(content)]
        }
        let timeline: [JSONValue] = [
            reply("$1", quote + "!ack INC-4"),
            reply("$2", quote + "!ic Carol N", html: html + #"!ic <a href="https://matrix.to/#/@carol:example.org">Carol N</a>"#),
            reply("$3", quote + "thanks, on it"),
            reply("$4", "> !sev P0"),
        ]
        let read = MatrixSync<ManualClock>.commands(in: ["!dm:example.org": timeline], me: "@bot:example.org").commands
        #expect(read.map(\.id) == ["$1", "$2"])
        #expect(read.map(\.text) == ["!ack INC-4", "!ic @carol:example.org"])
    }

    @Test func aPillIsReadAsTheMatrixIDItLinksTo() {
        let text = MatrixSync<ManualClock>.commandText("!ic Carol N", html: #"!ic <a href="https://matrix.to/#/@carol:example.org">Carol N</a>"#)
        #expect(text == "!ic @carol:example.org")
        #expect(MatrixSync<ManualClock>.commandText("!ack", html: nil) == "!ack")
    }

    /// A pill whose label is a Matrix id names that id, whatever its link says: the body read
    /// `!ic @alice:localhost` and the link named an account with alice's display name, which
    /// was made IC and then resolved the incident.
    @Test func aPillLabelledWithAnotherIDNamesTheIDItShows() {
        let text = MatrixSync<ManualClock>.commandText(
            "!ic @alice:example.org", html: #"!ic <a href="https://matrix.to/#/@eve:example.org">@alice:example.org</a>"#)
        #expect(text == "!ic @alice:example.org")
        let same = MatrixSync<ManualClock>.commandText(
            "!ic @alice:example.org", html: #"!ic <a href="https://matrix.to/#/@alice:example.org">@alice:example.org</a>"#)
        #expect(same == "!ic @alice:example.org")
        // A roster handle as the label names that roster person too.
        let handle = MatrixSync<ManualClock>.commandText(
            "!ic @alice", html: #"!ic <a href="https://matrix.to/#/@eve:example.org">@alice</a>"#)
        #expect(handle == "!ic @alice")
        // A label that is the linked account's local part names whom the roster calls so, not
        // that account: the roster's frank is on another server, and a stranger on this one
        // with the display name `@frank` was offered by the client and made IC.
        let local = MatrixSync<ManualClock>.commandText(
            "!ic @frank", html: #"!ic <a href="https://matrix.to/#/@frank:example.org">@frank</a>"#)
        #expect(local == "!ic @frank")
        // An `@` typed before a pill labelled without one reads as that mention: it made
        // `@@eve:example.org`, which named nobody.
        let typed = MatrixSync<ManualClock>.commandText(
            "!role scribe @alice", html: #"!role scribe @<a href="https://matrix.to/#/@eve:example.org">alice</a>"#)
        #expect(typed == "!role scribe @alice")
        let own = MatrixSync<ManualClock>.commandText(
            "!role scribe @carol", html: #"!role scribe @<a href="https://matrix.to/#/@carol:example.org">carol</a>"#)
        #expect(own == "!role scribe @carol")
    }

    @Test func invitationsAreAcceptedFromTheAllowList() {
        let me = "@bot:example.org"
        #expect(MatrixSync<ManualClock>.allows("@alice:example.org", me: me, list: []))
        #expect(!MatrixSync<ManualClock>.allows("@mallory:evil.example", me: me, list: []))
        #expect(MatrixSync<ManualClock>.allows("@mallory:partner.example", me: me, list: ["partner.example"]))
        #expect(MatrixSync<ManualClock>.allows("@carol:other.example", me: me, list: ["@carol:other.example"]))
        #expect(!MatrixSync<ManualClock>.allows("@alice:example.org", me: me, list: ["partner.example"]))
        #expect(!MatrixSync<ManualClock>.allows("", me: me, list: []))
    }

    /// A remote server sends stripped state along with an invitation, and may put a forged
    /// member event for the bot in it, naming an allowed inviter. The homeserver appends the
    /// real invite event last; that one says who invited the bot.
    @Test func theInviterIsReadFromTheRealInviteEventNotForgedStrippedState() {
        let me = "@bot:example.org"
        let forged: JSONValue = ["type": "m.room.member", "state_key": .string(me), "sender": "@alice:example.org",
                                 "content": ["membership": "invite"]]
        let name: JSONValue = ["type": "m.room.name", "state_key": "", "sender": "@mallory:evil.example",
                               "content": ["name": "totally legit"]]
        let real: JSONValue = ["type": "m.room.member", "state_key": .string(me), "sender": "@mallory:evil.example",
                               "event_id": "$invite", "content": ["membership": "invite"]]
        let invite: JSONValue = ["invite_state": ["events": [forged, name, real]]]
        let inviter = MatrixSync<ManualClock>.inviter(invite, me: me)
        #expect(inviter == "@mallory:evil.example")
        #expect(!MatrixSync<ManualClock>.allows(inviter, me: me, list: []))
        // A stripped event for someone else, or one that is not an invitation, is not it either.
        let other: JSONValue = ["type": "m.room.member", "state_key": "@alice:example.org", "sender": "@alice:example.org",
                                "content": ["membership": "invite"]]
        let joined: JSONValue = ["type": "m.room.member", "state_key": .string(me), "sender": "@alice:example.org",
                                 "content": ["membership": "join"]]
        #expect(MatrixSync<ManualClock>.inviter(["invite_state": ["events": [real, other, joined]]], me: me) == "@mallory:evil.example")
    }

    /// A timeline is read from where the bot last arrived in the room: its invitation, or a
    /// join without one. What was said between the invitation and the join was said to the
    /// bot; a member event from join to join (a new display name) or someone else's cuts nothing.
    @Test func aTimelineIsReadFromWhereTheBotArrived() {
        let me = "@bot:example.org"
        func message(_ id: String) -> JSONValue { ["type": "m.room.message", "event_id": .string(id), "sender": "@alice:example.org"] }
        func member(_ who: String, _ membership: String, was: String?) -> JSONValue {
            var event: [String: JSONValue] = ["type": "m.room.member", "state_key": .string(who), "sender": .string(who),
                                              "content": ["membership": .string(membership)]]
            if let was { event["unsigned"] = ["prev_content": ["membership": .string(was)]] }
            return .object(event)
        }
        let ids = { (timeline: [JSONValue]) in MatrixSync<ManualClock>.sinceArriving(timeline, me: me).compactMap { $0["event_id"]?.string } }
        #expect(ids([message("$old"), member(me, "invite", was: "leave"), message("$meant"), member(me, "join", was: "invite"), message("$new")])
                == ["$meant", "$new"])
        #expect(ids([message("$old"), member(me, "join", was: nil), message("$new")]) == ["$new"])
        // A join that does not say what it replaced still keeps what followed the invitation.
        #expect(ids([message("$old"), member(me, "invite", was: nil), message("$meant"), member(me, "join", was: nil), message("$new")])
                == ["$meant", "$new"])
        #expect(ids([message("$a"), member(me, "join", was: "invite"), message("$b")]) == ["$a", "$b"])
        #expect(ids([message("$a"), member(me, "join", was: "join"), message("$b")]) == ["$a", "$b"])
        #expect(ids([message("$a"), member("@carol:example.org", "invite", was: nil), message("$b")]) == ["$a", "$b"])
        #expect(ids([message("$a"), member(me, "leave", was: "join"), message("$b")]) == ["$a", "$b"])
    }

    /// A gap is paged back until `/messages` answers without `end`. An empty page is not the
    /// end (the spec says so: where the bot was outside the room, or the filter took every
    /// event, a page comes back empty with more after it), so a command behind one is run.
    /// A server that answers empty pages forever cuts the gap instead of looping.
    @Test func aGapIsPagedPastAnEmptyPage() async throws {
        func message(_ id: String) -> JSONValue { ["type": "m.room.message", "event_id": .string(id), "sender": "@alice:example.org"] }
        let pages: [String: JSONValue] = [
            "gap": ["chunk": [message("$3")], "end": "t1"],
            "t1": ["chunk": [], "end": "t2"],
            "t2": ["chunk": [message("$2"), message("$1")], "end": "t3"],
            "t3": ["chunk": []],
        ]
        let asked = Mutex<[String]>([])
        let gap = try await MatrixSync<ManualClock>.pagedBack(from: "gap", limit: 5_000, me: "@bot:example.org") { (from: String) throws(MatrixError) in
            asked.withLock { $0.append(from) }
            return pages[from] ?? ["chunk": []]
        }
        #expect(gap.messages.compactMap { $0["event_id"]?.string } == ["$1", "$2", "$3"])
        #expect(!gap.cut)
        #expect(asked.withLock { $0 } == ["gap", "t1", "t2", "t3"])

        let endless = try await MatrixSync<ManualClock>.pagedBack(from: "t0", limit: 5_000, me: "@bot:example.org") { (from: String) throws(MatrixError) in
            ["chunk": [], "end": .string(from + "+")]
        }
        #expect(endless.messages.isEmpty && endless.cut)
    }

    /// Thousands of pills whose labels are nowhere in the body: each used to be searched for
    /// from the start of the body. Only the first `pillLimit` are read now, each from where the
    /// last one was found.
    @Test(.timeLimit(.minutes(1)), arguments: [1_000, 20_000])
    func pillExtractionTakesTimeLinearInTheMessage(pills: Int) {
        let body = "!ic INC-1 Alice " + String(repeating: "x", count: pills * 4)
        let html = "!ic INC-1 <a href=\"https://matrix.to/#/@alice:example.org\">Alice</a> "
            + String(repeating: "<a href=\"https://matrix.to/#/@bob:example.org\">Nobody</a>", count: pills)
        #expect(MatrixSync<ManualClock>.commandText(body, html: html).hasPrefix("!ic INC-1 @alice:example.org xxxx"))
        // Pills are matched in order, each after the one before.
        let two = MatrixSync<ManualClock>.commandText("!role comms Bo then Bo", html:
            "!role comms <a href=\"https://matrix.to/#/@bo:a.org\">Bo</a> then <a href=\"https://matrix.to/#/@bo2:b.org\">Bo</a>")
        #expect(two == "!role comms @bo:a.org then @bo2:b.org")
    }

    /// After downtime a batch holds several rooms' commands: they are decided in the order
    /// they were sent, not room by room in the rooms' id order, so an `!ic INC-5` typed after
    /// INC-5 was declared in another room finds it. Each room keeps its own order.
    @Test func commandsOfSeveralRoomsAreTakenInTheOrderTheyWereSent() {
        let me = "@bot:example.org"
        func command(_ id: String, _ text: String, at sent: Int) -> JSONValue {
            ["type": "m.room.message", "event_id": .string(id), "sender": "@alice:example.org", "origin_server_ts": .number(Double(sent)),
             "content": ["msgtype": "m.text", "body": .string(text)]]
        }
        let timelines: [String: [JSONValue]] = [
            "!a:example.org": [command("$ic", "!ic INC-5 @carol:example.org", at: 2_000), command("$note", "!note INC-5 x", at: 4_000)],
            "!z:example.org": [command("$declare", "!incident declare DB down", at: 1_000), command("$update", "!update INC-5 y", at: 3_000)],
            "!empty:example.org": [],
        ]
        #expect(MatrixSync<ManualClock>.commands(in: timelines, me: me).commands.map(\.id) == ["$declare", "$ic", "$update", "$note"])
        // A room's own order stands even when a server's clock says otherwise.
        let skewed: [String: [JSONValue]] = [
            "!a:example.org": [command("$1", "!note a", at: 5_000), command("$2", "!note b", at: 1_000)],
            "!b:example.org": [command("$3", "!note c", at: 2_000)],
        ]
        #expect(MatrixSync<ManualClock>.commands(in: skewed, me: me).commands.map(\.id) == ["$3", "$1", "$2"])
    }

    /// A label that almost matches everywhere ("aaa…ab" against a body of "aaa…") costs a
    /// naive search the body's length times the label's: a label longer than a display name
    /// can be is not looked for, and the searches of one message stop at a budget. A message
    /// that is no command is not searched at all.
    @Test(.timeLimit(.minutes(1)))
    func aNearMissLabelCostsLittle() {
        let body = "!ic INC-1 " + String(repeating: "a", count: 40_000)
        for label in [String(repeating: "a", count: 16_000) + "b", String(repeating: "a", count: 255) + "b"] {
            let html = "!ic INC-1 " + String(repeating: "<a href=\"https://matrix.to/#/@x:evil.example\">\(label)</a>", count: 32)
            #expect(MatrixSync<ManualClock>.commandText(body, html: html) == body)
            let chatter = String(body.dropFirst())
            #expect(MatrixSync<ManualClock>.commandText(chatter, html: html) == chatter)
        }
    }

    @Test func anOutsiderIsToldWhichServersTheBotServesWithTheirIDEscaped() {
        let notice = MatrixSync<ManualClock>.outsiderNotice("@room:evil.example", community: Community(matrix: ["example.org"]))
        let body = MatrixFormat.notice(notice, people: [:])["body"]?.string ?? ""
        #expect(body.hasPrefix("incident-bot takes commands only from the people it is set to serve (its roster and accounts on example.org); "))
        #expect(!body.contains("@room"))
        // Accounts allowed one by one are not named to a stranger.
        let accounts = MatrixSync<ManualClock>.outsiderNotice("@mallory:evil.example", community: Community(matrix: ["@eve:example.net"]))
        let told = MatrixFormat.notice(accounts, people: [:])["body"]?.string ?? ""
        #expect(told.hasPrefix("incident-bot takes commands only from the people it is set to serve (its roster); "), "\(told)")
        #expect(!told.contains("eve"))
    }

    /// A server the bot does not serve may have any number of accounts in a room, or make any
    /// number of rooms: outsiders hear why at most once a room a minute, and ten a minute in
    /// all, however many of them type commands.
    @Test func outsidersAreToldOnceARoomAMinuteAndTenAMinuteInAll() {
        let start = Timestamp(iso8601: "2026-11-24T10:00:00Z")!
        func command(_ user: Int, in room: Int) -> ChatEvent {
            ChatEvent(platform: .matrix, id: "$\(user).\(room)", room: "!room\(room):evil.example", user: "@u\(user):evil.example",
                      text: "!incident declare Not yours --sev P0")
        }
        var notices = NoticeThrottle()
        // Fifty accounts in one room: one line.
        let crowd = (1...50).map { command($0, in: 1) }
        let first = notices.select(crowd, now: start)
        #expect(first.map(\.id) == ["$1.1"])
        notices.answered(first, at: start)
        #expect(notices.select(crowd, now: start + .seconds(59)).isEmpty)
        // Thirty rooms: nine more lines this minute (one room was told already).
        let rooms = (2...31).map { command(1, in: $0) }
        let spread = notices.select(rooms, now: start + .seconds(30))
        #expect(spread.count == 9)
        notices.answered(spread, at: start + .seconds(30))
        // A minute on, the first room may hear it again; only the last minute is kept.
        #expect(notices.select(crowd, now: start + .seconds(60)).map(\.id) == ["$1.1"])
        notices.answered([], at: start + .seconds(91))
        #expect(notices.told.isEmpty)
    }
}
