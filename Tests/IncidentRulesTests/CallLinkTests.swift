import Foundation
import IncidentCommands
import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// The incident's call: P0 and P1 get one from the shipped policy's template; `/incident call`
/// sets, changes or removes it; it is in the kickoff, the topic, the status and every page.
@Suite struct CallLinkTests {
    static let templated = "https://meet.example.com/incident-1"

    func topic(_ drill: Drill) -> String? {
        drill.effects.compactMap { _, effect -> String? in
            switch effect.action {
            case .createRoom(_, let topic, _, _), .setTopic(let topic): topic.plainText()
            default: nil
            }
        }.last
    }

    @Test func aP1GetsItsCallFromThePolicyEverywhereAResponderLooks() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 30)
        #expect(drill.incident.callLink?.url == Self.templated)
        #expect(topic(drill)?.hasSuffix("| call: \(Self.templated)") == true)
        #expect(drill.posts(to: .incidentRoom).first?.contains("📞 Call: \(Self.templated)") == true)
        let pages = drill.effects.compactMap { _, effect -> String? in
            if case .page(let page) = effect.action { page.message.plainText() } else { nil }
        }
        #expect(pages.count >= 3 && pages.allSatisfy { $0.contains("Call: \(Self.templated)") })
        #expect(IncidentQueries.status(drill.incident, now: Fixtures.at(30)).plainText().contains("Call: \(Self.templated)"))
        #expect(drill.timeline.contains { $0.kind == .call && $0.author == nil && $0.text.contains(Self.templated) })
    }

    @Test func aP2HasNoneUntilItIsRaisedAndKeepsItWhenLowered() throws {
        var drill = try Drill("/incident declare Search slow --sev P2")
        #expect(drill.incident.callLink == nil)
        #expect(topic(drill)?.contains("call") == false)
        try drill.run(to: 20, script: [10: [(Fixtures.responder, "/sev P1 checkout too")]])
        #expect(drill.incident.callLink?.url == Self.templated)
        #expect(drill.posts(to: .incidentRoom).contains("📞 Call for INC-1: \(Self.templated)"))
        try drill.run(to: 30, script: [25: [(Fixtures.responder, "/sev P2 only search")]])
        #expect(drill.incident.callLink?.url == Self.templated)
    }

    @Test func theLeadSetsChangesAndRemovesIt() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.type("/incident call https://zoom.example.com/j/42", by: "alice")
        #expect(drill.incident.callLink?.url == "https://zoom.example.com/j/42")
        #expect(drill.posts(to: .incidentRoom).last == "📞 Call for INC-1: https://zoom.example.com/j/42 (set by @alice)")
        #expect(topic(drill) == "SEV P1 | IC @alice | status: investigating | next update 10:30 UTC | call: https://zoom.example.com/j/42")
        #expect(drill.timeline.last?.text == "Call: https://zoom.example.com/j/42." && drill.timeline.last?.author == "alice")

        // Someone who does not lead it cannot point responders at another call.
        #expect(throws: IncidentError.self) { try drill.type("/incident call https://evil.example.net/x", by: "bob") }
        #expect(throws: IncidentError.self) {
            try drill.type("/incident call https://evil.example.net/x", by: Fixtures.reporter)
        }
        #expect(throws: IncidentError.self) { try drill.type("/incident call https://zoom.example.com/j/42", by: "alice") }
        #expect(drill.incident.callLink?.url == "https://zoom.example.com/j/42")

        try drill.type("/incident call off", by: "alice")
        #expect(drill.incident.callLink == nil)
        #expect(topic(drill) == "SEV P1 | IC @alice | status: investigating | next update 10:30 UTC")
        #expect(drill.timeline.last?.text == "Removed the call link.")
    }

    /// The IC turned the P1's call off; a raise to P0 does not bring the template's link
    /// back, in the room, the topic or the VP's page: whoever is woken would join a bridge
    /// nobody is on. A link set again by hand stands, and a later raise keeps it.
    @Test func aCallTurnedOffStaysOffThroughARaise() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.type("/incident call off", by: "alice")
        try drill.type("/sev P0 every region", by: "alice")
        #expect(drill.incident.callLink == nil)
        #expect(topic(drill)?.contains("call") == false, "\(String(describing: topic(drill)))")
        #expect(!drill.posts(to: .incidentRoom).contains { $0.contains("📞 Call for INC-1: \(Self.templated)") })
        let vp = drill.effects.compactMap { _, effect -> String? in
            if case .page(let page) = effect.action, page.level == "L4" { page.message.plainText() } else { nil }
        }
        #expect(vp.count == 1 && vp.allSatisfy { !$0.contains("Call:") }, "\(vp)")
        try drill.type("/sev P1 contained", by: "alice")
        try drill.type("/incident call https://zoom.example.com/j/7", by: "alice")
        try drill.type("/sev P0 again", by: "alice")
        #expect(drill.incident.callLink?.url == "https://zoom.example.com/j/7")
        #expect(drill.incident.callTurnedOff == nil)
    }

    @Test func onlyPlainWebLinksAreCallLinks() {
        for good in ["https://meet.example.com/abc-defg-hij", "http://10.0.0.7:8080/room?id=4&pw=x", "HTTPS://Zoom.example.com/j/1"] {
            #expect(CallLink(good) != nil, "\(good)")
        }
        for bad in ["javascript:alert(1)", "ftp://example.com/x", "https://", "https:///path", "https://@evil.example",
                    "https://meet.example.com/a b", "https://meet.example.com/<!channel>", "https://meet.example.com/a|b",
                    "https://meet.example.com/\u{7}", "https://meet.example.com/" + String(repeating: "x", count: 100), "meet.example.com/x",
                    // Posted as it is: on Matrix a raw @room in a body could ping the whole room.
                    "https://a.example/@room", "https://a.example/x?@Channel", "https://a.example/@here/"] {
            #expect(CallLink(bad) == nil, "\(bad)")
        }
    }

    /// A link refused for a broadcast mention says so, instead of the usual shape of a link.
    @Test func aLinkWithABroadcastMentionIsRefusedForIt() {
        guard case .failure(let error) = CommandParser.parse("/incident call https://a.example/@room") else {
            Issue.record("accepted")
            return
        }
        #expect(error.text.description.contains("it holds @room, @channel, @here or @everyone"), "\(error.text)")
    }

    /// A right-to-left override or a zero-width joiner in a link hides where it goes: refused.
    @Test func aLinkWithAnInvisibleCharacterIsRefused() {
        for link in ["https://evil.example/\u{202E}moc.elpmaxe", "https://zoom\u{200D}.example.com/j/42", "https://a\u{00AD}b.example/x"] {
            guard case .failure(let error) = CommandParser.parse("/incident call \(link)") else {
                Issue.record("accepted \(link.unicodeScalars.map { String($0.value, radix: 16) })")
                continue
            }
            // Shown without the character, the link would read as a valid one refused.
            #expect(error.text.description.contains("it holds an invisible character"), "\(error.text)")
        }
        #expect(ChatLink.isSafe("https://zoom.example.com/j/42", maxLength: 120))
        // One stored before they were refused reads back as written: an incident that cannot be
        // read is set aside, and its pages with it.
        let stored = try? JSONDecoder().decode(CallLink.self, from: Data("\"https://zoom\u{200D}.example.com/j/42\"".utf8))
        #expect(stored?.url == "https://zoom\u{200D}.example.com/j/42")
    }

    @Test func aPolicyTemplateIsCheckedWhenTheConfigLoads() throws {
        let shipped = try Fixtures.text("policy.yaml")
        let line = "call: https://meet.example.com/incident-{number}"
        #expect(shipped.contains(line))
        for (template, reason) in [("https://meet.example.com/{incident}", "only the placeholders"),
                                   ("meet.example.com/{id}", "http or https link"),
                                   ("https://meet.example.com/" + String(repeating: "x", count: 60) + "/{room}", "at most 120")] {
            do {
                _ = try Policy.load(yaml: shipped.replacing(line, with: "call: \"\(template)\""), file: "policy.yaml")
                Issue.record("\(template) was accepted")
            } catch {
                #expect("\(error)".contains(reason), "\(error)")
                #expect("\(error)".contains("policy.yaml:"), "\(error)")
            }
        }
        let room = try Policy.load(yaml: shipped.replacing(line, with: "call: https://meet.example.com/{room}"), file: "policy.yaml")
        let drill = try Drill("/incident declare Payment API errors --sev P1", policy: room)
        #expect(drill.incident.callLink?.url == "https://meet.example.com/incident-20261124-payment-api-errors")
    }
}
