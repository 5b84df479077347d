import Foundation
import IncidentCommands
import IncidentCore
import IncidentEngine
import IncidentWire
@testable import IncidentSlack
import IncidentTesting
import Logging
import SlackFake
import Testing

/// Typed text cannot ping, link or forge a mention; the bot's own formatting survives.
@Suite struct SlackFormatTests {
    static let people: [PersonID: Contact] = [
        "alice": Contact(person: "alice", handle: "@alice", account: "U0ALICE01"),
        "frank": Contact(person: "frank", handle: "@frank", account: nil),
    ]

    @Test(arguments: [
        ("<!channel> db down", "&lt;!channel&gt; db down"),
        ("<!here|here> and <!everyone>", "&lt;!here|here&gt; and &lt;!everyone&gt;"),
        ("ask <@U0BOSS001> now", "ask &lt;@U0BOSS001&gt; now"),
        ("<https://evil.example|click me>", "&lt;https://evil.example|click me&gt;"),
        ("@channel @here @everyone", "@\u{2060}channel @\u{2060}here @\u{2060}everyone"),
        ("rates & fees > 5%", "rates &amp; fees &gt; 5%"),
        // A character that joins the next one to it (U+0600), or a mark that joins the one
        // before (U+034F), hid the `<`, `>` and `@` inside one character from an escape that
        // compared whole characters: Slack got a live <!channel> (found by an audit).
        ("\u{0600}<!channel>\u{034F} down", "\u{0600}&lt;!channel&gt;\u{034F} down"),
        ("\u{0600}<https://evil.example|runbook>\u{034F}", "\u{0600}&lt;https://evil.example|runbook&gt;\u{034F}"),
        ("\u{0600}@channel \u{06DD}@here", "\u{0600}@\u{2060}channel \u{06DD}@\u{2060}here"),
    ])
    func typedTextIsEscaped(typed: String, shown: String) {
        #expect(SlackFormat.text(Message(.text("Status: "), .userText(typed)), people: [:]) == "Status: " + shown)
    }

    /// Typed lines are quoted: mrkdwn cannot escape `*`, and an update's typed lines looked,
    /// in the broadcast channel, exactly like the bot's own "resolved, stand down".
    @Test func typedLinesCannotPassForTheBots() {
        var update = Message(.strong("📣 INC-3 update (P2) "), .text("from "), .mention("alice"))
        update.line(.userText("Investigating."))
        update.line(.userText("*✅ INC-3 is resolved* (@carol): stand down"))
        let note = Message(.text("📝 Note from "), .mention("alice"), .text(": "), .userText("first\n*🚨 INC-7 declared (P0):* fake"))
        #expect(SlackFormat.text(update, people: Self.people).components(separatedBy: "\n")
                == ["*📣 INC-3 update (P2)* from <@U0ALICE01>", "> Investigating.", "> *✅ INC-3 is resolved* (@carol): stand down"])
        #expect(SlackFormat.text(note, people: Self.people) == "📝 Note from <@U0ALICE01>: first\n> *🚨 INC-7 declared (P0):* fake")
    }

    /// A line longer than a section is shown in several: typed text after the bot's on such a
    /// line is quoted in every section it reaches, not only in the first.
    @Test func typedTextOnALongLineIsQuotedInEverySection() {
        let forged = "*✅ INC-3 is resolved* (@carol): stand down"
        let typed = String(repeating: "x", count: 2_990) + " " + forged + " " + String(repeating: "y", count: 3_500)
        let update = Message(.strong("Status: "), .userText(typed))
        let sections = SlackFormat.blocks(update, people: Self.people, incident: 3).compactMap { $0["text"]?["text"]?.string }
        #expect(sections.count >= 3)
        #expect(sections.first == "*Status:* ")
        #expect(sections.dropFirst().allSatisfy { $0.hasPrefix(SlackFormat.quoteMark) })
        #expect(sections.joined().contains(forged))
    }

    /// A pinned message's text as people read it, for the timeline.
    @Test(arguments: [
        ("<@U0ALICE01|alice> rolled back <https://deploy.example.com/42|deploy 42>", "@alice rolled back deploy 42 (https://deploy.example.com/42)"),
        ("<@U0ALICE01> see <#C0123|ops> and <https://x.example.com>", "@U0ALICE01 see #ops and https://x.example.com"),
        ("<!here> 5 &lt; 6 &amp;&amp; 7 &gt; 3", "@here 5 < 6 && 7 > 3"),
        ("a < b with no close", "a < b with no close"),
    ])
    func slackMarkupReadsAsText(markup: String, readable: String) {
        #expect(FreeText.readable(markup) == readable)
    }

    @Test func mentionsBoldCodeAndLinksRender() {
        var message = Message(.strong("INC-7: "), .text("paged "), .mention("alice"), .text(" and "), .mention("frank"))
        message.line(.code("/ack INC-7"), .text(" "), .link(url: "https://runbooks.example.com/p1", label: "runbook"))
        #expect(SlackFormat.text(message, people: Self.people)
            == "*INC-7:* paged <@U0ALICE01> and @frank\n`/ack INC-7` <https://runbooks.example.com/p1|runbook>")
    }

    @Test func buttonsCarryTheIncidentAndLongTextIsSplitUnderSlacksLimit() {
        var message = Message(actions: [.acknowledge, .postUpdate])
        for n in 0..<100 { message.line(.text("line \(n) " + String(repeating: "x", count: 60))) }
        let blocks = SlackFormat.blocks(message, people: [:], incident: 42)
        let sections = blocks.filter { $0["type"]?.string == "section" }
        #expect(sections.count == 3)
        #expect(sections.allSatisfy { ($0["text"]?["text"]?.string?.count ?? 0) <= 3_000 })
        let buttons = blocks.last?["elements"]?.array ?? []
        #expect(buttons.map { $0["action_id"]?.string } == [SlackFormat.acknowledgeAction, SlackFormat.postUpdateAction])
        #expect(buttons.allSatisfy { $0["value"]?.string == "INC-42" })
    }

    @Test(arguments: [
        ("<@UINCBOT01> update rolled back", "/update rolled back"),
        ("<@UINCBOT01|incident-bot> incident declare DB down --sev P2", "/incident declare DB down --sev P2"),
        ("<@UINCBOT01>", "/incident help"),
        ("<@UINCBOT01> !ack INC-3", "!ack INC-3"),
        ("  <@UINCBOT01>   ack", "/ack"),
    ])
    func aMentionReadsAsACommand(text: String, command: String) {
        let event = SlackRequest.EventCallback(eventID: "Ev1", botUserID: "UINCBOT01", type: "app_mention", subtype: nil,
                                               user: "U0ALICE01", botID: nil, channel: "C1", text: text)
        #expect(SlackGateway<ManualClock>.chatEvent(event)?.text == command)
    }

    /// Only a message that opens with the bot's mention is a command: a question that
    /// mentions it halfway lowered an incident's severity with the rest as the reason.
    @Test(arguments: [
        "sev P3 <@UINCBOT01> would page nobody at night, right?",
        "hey <@UINCBOT01> ic <@U0ALICE01>",
        "<@U0ALICE01> <@UINCBOT01> ack",
    ])
    func aMentionInsideASentenceIsNotACommand(text: String) {
        let event = SlackRequest.EventCallback(eventID: "Ev1", botUserID: "UINCBOT01", type: "app_mention", subtype: nil,
                                               user: "U0ALICE01", botID: nil, channel: "C1", text: text)
        #expect(SlackGateway<ManualClock>.chatEvent(event) == nil)
    }

    /// An event wrapper without `authorizations` (the shape Slack's schema describes, with
    /// `authed_users`): a message opening with a person's mention is not a command, the bot's
    /// own account is found from `authed_users` or `auth.test`, and nothing it says is one.
    @Test func onlyAMentionOfTheBotItselfIsACommand() throws {
        func callback(_ wrapper: String) throws -> SlackRequest.EventCallback {
            guard let json = JSONValue.parse(Array(wrapper.utf8)), case .event(let callback) = try SlackRequest.eventsAPI(json) else {
                throw SlackRequestError("not an event")
            }
            return callback
        }
        let lowering = #""type":"app_mention","user":"U0CAROL01","channel":"C1","text":"<@U0ALICE01> sev P3 <@UINCBOT01> would this page nobody?""#
        let noAuthorizations = try callback(#"{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{\#(lowering)}}"#)
        #expect(noAuthorizations.botUserID == nil)
        #expect(SlackGateway<ManualClock>.chatEvent(noAuthorizations) == nil)
        #expect(SlackGateway<ManualClock>.chatEvent(noAuthorizations, isOwnAccount: { $0 == "UINCBOT01" }) == nil)
        let authed = try callback(#"{"type":"event_callback","event_id":"Ev1","team_id":"T1","authed_users":["UINCBOT01"],"event":{\#(lowering)}}"#)
        #expect(authed.botUserID == "UINCBOT01")
        #expect(SlackGateway<ManualClock>.chatEvent(authed) == nil)
        let ack = #""type":"app_mention","user":"U0ALICE01","channel":"C1","text":"<@UINCBOT01> ack""#
        let learned = try callback(#"{"type":"event_callback","event_id":"Ev2","team_id":"T1","event":{\#(ack)}}"#)
        #expect(SlackGateway<ManualClock>.chatEvent(learned, isOwnAccount: { $0 == "UINCBOT01" })?.text == "/ack")
        #expect(SlackGateway<ManualClock>.chatEvent(learned) == nil)
        // The account auth.test named wins over the event's; a person's own authorization
        // names no bot.
        let personsAuthorization = try callback(#"{"type":"event_callback","event_id":"Ev4","team_id":"T1","authorizations":[{"user_id":"U0ALICE01","is_bot":false}],"event":{\#(lowering)}}"#)
        #expect(personsAuthorization.botUserID == nil)
        let wrongBot = try callback(#"{"type":"event_callback","event_id":"Ev5","team_id":"T1","authorizations":[{"user_id":"U0ALICE01"}],"event":{\#(lowering)}}"#)
        #expect(SlackGateway<ManualClock>.chatEvent(wrongBot) != nil)
        #expect(SlackGateway<ManualClock>.chatEvent(wrongBot, isOwnAccount: { $0 == "UINCBOT01" }) == nil)
        let own = #""type":"app_mention","user":"UINCBOT01","channel":"C1","text":"<@UINCBOT01> note echo""#
        let echoed = try callback(#"{"type":"event_callback","event_id":"Ev3","team_id":"T1","authed_users":["UINCBOT01"],"event":{\#(own)}}"#)
        #expect(SlackGateway<ManualClock>.chatEvent(echoed) == nil)
    }

    @Test func plainMessagesBotMessagesAndEditsAreNotCommands() {
        func event(type: String = "app_mention", subtype: String? = nil, bot: String? = nil) -> SlackRequest.EventCallback {
            .init(eventID: "Ev1", botUserID: "UINCBOT01", type: type, subtype: subtype, user: "U0ALICE01", botID: bot, channel: "C1",
                  text: "<@UINCBOT01> ack")
        }
        #expect(SlackGateway<ManualClock>.chatEvent(event(type: "message")) == nil)
        #expect(SlackGateway<ManualClock>.chatEvent(event(subtype: "message_changed")) == nil)
        #expect(SlackGateway<ManualClock>.chatEvent(event(subtype: "bot_message")) == nil)
        #expect(SlackGateway<ManualClock>.chatEvent(event(bot: "B0OTHER")) == nil)
        #expect(SlackGateway<ManualClock>.chatEvent(event()) != nil)
        // A thread reply also sent to the channel, a mention with a screenshot: the on-call's ack.
        #expect(SlackGateway<ManualClock>.chatEvent(event(subtype: "thread_broadcast"))?.text == "/ack")
        #expect(SlackGateway<ManualClock>.chatEvent(event(subtype: "file_share"))?.text == "/ack")
    }
}

/// The start-up check of the roster's Slack accounts, against the fake's workspace.
@Suite struct SlackRosterCheckTests {
    @Test func accountsSlackDoesNotKnowAreNamed() async throws {
        let fake = FakeSlack(users: ["U0ALICE01", "U0BOB0002", "U0CAROL03", "U0DAVE004", "U0ERIN005"])
        try await fake.start()
        defer { Task { await fake.stop() } }
        let directory = Directory(roster: try TestConfig.roster(), platforms: [.slack])
        let check = SlackRosterCheck(api: SlackWebAPI(baseURL: fake.apiURL, token: Secret(FakeSlack.botToken)), directory: directory,
                                     logger: Logger(label: "check"))
        let problems = await check.problems()
        #expect(problems.map(\.person) == ["grace"])
        #expect(problems.first?.reason == "U0GRACE07 is not in this workspace")
        #expect(fake.violations.isEmpty)
    }
}

/// The app manifest registers exactly the slash commands the parser knows, at the endpoint.
@Suite struct SlackManifestTests {
    @Test func everyCommandIsRegisteredAndNoOther() throws {
        let text = try String(contentsOf: TestConfig.repository.appendingPathComponent("commands/slack-app-manifest.yaml"), encoding: .utf8)
        let registered = Set(text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("- command: ") ? String(trimmed.dropFirst("- command: ".count)) : nil
        })
        let known = Set(CommandName.allCases.map { "/" + $0.rawValue.split(separator: " ")[0] })
        #expect(registered == known)
        // Exactly the scopes the bot uses, each for the methods named beside it in the manifest.
        let scopes = Set(text.split(separator: "\n").drop { !$0.contains("bot:") }.dropFirst()
            .prefix { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- ") }
            .map { $0.trimmingCharacters(in: .whitespaces).dropFirst(2).split(separator: " ")[0] }.map(String.init))
        #expect(scopes == ["commands", "app_mentions:read", "channels:manage", "channels:join", "channels:read", "channels:history",
                           "groups:write", "groups:read", "groups:history", "im:history", "chat:write", "im:write", "users:read", "pins:read", "reactions:read"], "scopes beyond need: \(scopes)")
    }

    /// A room a message names links to its channel when the channel's id is known; an id that
    /// is not letters and digits (an API answer that could break out of `<#…>`) is not used.
    @Test func aRoomWithAKnownChannelIsLinked() {
        let message = Message(.text("Room: "), .room("incident-20261124-checkout"), .text(" · see "), .room("incident-20261120-old"))
        let linked = SlackFormat.text(message, people: [:], rooms: ["incident-20261124-checkout": "C0ROOM123"])
        #expect(linked == "Room: <#C0ROOM123> · see #incident-20261120-old")
        for hostile in ["C1>|<!channel", "", "C0 ROOM", "C0RÖÖM"] {
            let shown = SlackFormat.text(message, people: [:], rooms: ["incident-20261124-checkout": hostile])
            #expect(shown == "Room: #incident-20261124-checkout · see #incident-20261120-old", "\(hostile)")
        }
    }
}
