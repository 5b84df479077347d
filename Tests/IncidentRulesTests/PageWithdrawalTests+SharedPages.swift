import Foundation
import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// One page for one person on two levels or two ladders, and what withdraws it.
extension PageWithdrawalTests {
    /// A person who fills both the climb's first level and the level paged at once gets one
    /// page, and it is the one only a resolution withdraws.
    @Test func onePersonOnBothLevelsGetsOnePageMarkedAtOnce() throws {
        var policy = try Fixtures.policy()
        var rules = policy[.p0]
        rules.pageAtOnce = [LevelRef(ladder: "engineering", level: "L1")]
        policy.severities[.p0] = rules
        var drill = try Drill("/incident declare Payments down --sev P0", by: Fixtures.responder, policy: policy)
        let alices = pages(drill).filter { $0.person == "alice" }
        #expect(alices.count == 1 && alices.first?.atOnce == true)
        try drill.run(to: 5)
        try drill.type("/ic @carol", by: Fixtures.responder)
        #expect(try withdrawal(drill, of: "alice") == nil)
    }

    /// A small team: the on-call is also the VP, so a P0 reaches her at two levels of one
    /// ladder at once (the climb's first, the severity's page at once). She gets one page, and
    /// it says both: it said only "on-call engineer".
    @Test func onePageForTwoLevelsOfOneLadderSaysBoth() throws {
        let yaml = try Fixtures.text("roster.example.yaml").replacingOccurrences(of: "L4: dave", with: "L4: alice")
        let roster = try Roster.load(yaml: yaml, file: "roster.yaml", policy: Fixtures.policy())
        let drill = try Drill("/incident declare Payments down --sev P0", roster: roster)
        let alices = pages(drill).filter { $0.person == "alice" }
        #expect(alices.count == 1 && alices.first?.level == "L1" && alices.first?.atOnce == true)
        let lines = alices.first?.message.plainText().split(separator: "\n").map(String.init) ?? []
        #expect(lines.count > 2 && lines[1] == "You are paged as on-call engineer (engineering L1)."
                && lines[2] == "Also paged as VP engineering (engineering L4).", "\(lines)")
        #expect(lines.filter { $0.hasPrefix("Also paged as") }.count == 1, "\(lines)")
        #expect(drill.timeline.contains { $0.text.hasPrefix("Paged @alice as VP engineering (engineering.L4") })
        // Three roles (she is the operations manager too): each named once, in the order reached.
        let three = try Roster.load(yaml: yaml.replacingOccurrences(of: "L1: erin", with: "L1: alice"), file: "roster.yaml", policy: Fixtures.policy())
        let busier = try Drill("/incident declare Payments down --sev P0", roster: three)
        let page = try #require(pages(busier).first { $0.person == "alice" })
        let also = page.message.plainText().split(separator: "\n").map(String.init).filter { $0.hasPrefix("Also paged as ") }
        let reached = busier.timeline.map(\.text).filter { $0.hasPrefix("Paged @alice as ") }.dropFirst()
            .map { "Also paged as " + $0.dropFirst("Paged @alice as ".count).prefix { $0 != "(" } }
        #expect(also.count == 2 && also.map { String($0.prefix { $0 != "(" }) } == Array(reached), "\(also) \(reached)")
        #expect(page.message.plainText().split(separator: "\n").map(String.init)[2...3].allSatisfy { $0.hasPrefix("Also paged as ") })
    }

    /// A small team: the on-call is also the operations manager, so a P1 pages her on both
    /// ladders at once, as one page. Naming an IC stops the engineering ladder, not the
    /// business one (it stops on mitigation): that page still has to reach her.
    @Test func onePageCarryingTwoLaddersGoesWhileEitherStillAsks() throws {
        let yaml = try Fixtures.text("roster.example.yaml").replacingOccurrences(of: "L1: erin", with: "L1: alice")
        let roster = try Roster.load(yaml: yaml, file: "roster.yaml", policy: Fixtures.policy())
        var drill = try Drill("/incident declare Checkout slow --sev P1", roster: roster)
        let alices = pages(drill).filter { $0.person == "alice" }
        #expect(alices.count == 1 && alices.first?.ladder == "engineering" && alices.first?.alsoFor == ["business"])
        #expect(drill.timeline.contains { $0.text == "Paged @alice as operations manager (business.L1)." })
        // The one page says she is woken as both.
        let lines = alices.first?.message.plainText().split(separator: "\n").map(String.init) ?? []
        #expect(lines.count > 2 && lines[1] == "You are paged as on-call engineer (engineering L1)."
                && lines[2] == "Also paged as operations manager (business L1).", "\(lines)")
        // Since when it is unanswered, which stays true however late the page reaches her.
        #expect(lines.count > 3 && lines[3].hasPrefix("Unanswered since 10:00 UTC · status: "), "\(lines)")
        try drill.run(to: 5)
        let named = try drill.type("/ic @carol", by: Fixtures.responder)
        #expect(drill.incident.ladders["engineering"]?.stopped == .acknowledged)
        #expect(try withdrawal(drill, of: "alice") == nil)
        // Nor is its provider alert (PagerDuty's, keyed by the engineering level) closed.
        let settled = named.effects.flatMap { effect -> [PagedLevel] in
            if case .settlePages(let settlement) = effect.action { settlement.pages } else { [] }
        }
        #expect(!settled.contains { $0.person == "alice" }, "\(settled)")
        // Once the business ladder stops too, nothing asks for it any more, and the alert
        // closed is the one the page went out under (the engineering level's key), not one
        // of the business level that was never opened, which left hers ringing.
        let mitigated = try drill.type("/incident mitigated", by: "carol")
        #expect(try withdrawal(drill, of: "alice") == "INC-1 is mitigated")
        let closed = mitigated.effects.flatMap { effect -> [PagedLevel] in
            if case .settlePages(let settlement) = effect.action { settlement.pages } else { [] }
        }
        #expect(closed.filter { $0.person == "alice" } == [PagedLevel(person: "alice", ladder: "engineering", level: "L1")], "\(closed)")
        // Withdrawn then, it stands for both levels it was made for: neither shows as paged.
        let page = try #require(alices.first)
        let reason = try #require(drill.incident.withdrawal(of: page))
        let withdrawn = drill.incident.pageWithdrawn(page, reason: reason, at: Fixtures.at(6), roster: roster, madeAt: Fixtures.at(0)).incident
        #expect(Set(withdrawn.pages.filter { $0.withdrawn == true }.map(\.level.ladder)) == ["engineering", "business"])
        #expect(withdrawn.pages.filter { $0.withdrawn == true }.allSatisfy { $0.person == "alice" })
    }

    /// The same small team under a policy that lists the business ladder first: the one page
    /// is made for the business ladder, which an acknowledgement does not stop, yet the
    /// engineering ladder waits for her answer. The page asks for it (the line, the button,
    /// and so the mail link, the reply, the keypress), or nothing would let her stop the climb.
    @Test func onePageCarryingALadderThatWaitsForAnAnswerAsksForIt() throws {
        let shipped = try Fixtures.text("policy.yaml")
        let ladders = try #require(shipped.range(of: "\nladders:\n"))
        let business = try #require(shipped.range(of: "\n  business:\n", range: ladders.upperBound..<shipped.endIndex))
        let engineering = try #require(shipped.range(of: "  engineering:\n", range: ladders.upperBound..<shipped.endIndex))
        let reordered = String(shipped[..<engineering.lowerBound]) + String(shipped[shipped.index(after: business.lowerBound)...])
            + String(shipped[engineering.lowerBound...business.lowerBound])
        let policy = try Policy.load(yaml: reordered, file: "policy.yaml")
        #expect(policy.ladders.map(\.id) == ["business", "engineering"])
        let yaml = try Fixtures.text("roster.example.yaml").replacingOccurrences(of: "L1: erin", with: "L1: alice")
        let roster = try Roster.load(yaml: yaml, file: "roster.yaml", policy: policy)
        let drill = try Drill("/incident declare Checkout slow --sev P1", policy: policy, roster: roster)
        let alices = pages(drill).filter { $0.person == "alice" }
        #expect(alices.count == 1 && alices.first?.ladder == "business" && alices.first?.alsoFor == ["engineering"])
        #expect(alices.first?.asksForAcknowledgement == true)
        let text = alices.first?.message.plainText() ?? ""
        #expect(text.contains("Acknowledge with /ack INC-1."))
        // And it asks in every line: it said "Open since … For your information; nothing to
        // answer", then asked for the answer.
        #expect(text.contains("Unanswered since 10:00 UTC · status: ") && !text.contains("Open since"), "\(text)")
        #expect(!text.contains("nothing to answer"), "\(text)")
    }

    /// A page carries the status's first 160 characters: the room has it whole. A status of
    /// 4,000 filled a text or a call, which then lost the room and the call link.
    @Test func aPageCarriesTheStatusClipped() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P1")
        let status = String(repeating: "db and cache down ", count: 200)
        try drill.type("/update still looking status: \(status)", by: Fixtures.responder)
        try drill.run(to: 30)
        let page = try #require(pages(drill).last)
        let since = try #require(page.message.plainText().split(separator: "\n").first { $0.contains("· status: ") })
        #expect(since.contains("· status: db and cache down") && since.contains("… · room #"), "\(since)")
        #expect(since.count < 260, "\(since.count)")
    }

    /// Pages queued before the mark was kept read as a climb's page; a marked one keeps it.
    @Test func aPageStoredWithoutTheMarkReadsAsAClimbsPage() throws {
        var page = Page(person: "dave", ladder: "engineering", level: "L4", role: "VP engineering", message: Message(.text("")))
        let unmarked = try JSONEncoder().encode(page)
        #expect(!String(decoding: unmarked, as: UTF8.self).contains("atOnce"))
        #expect(try JSONDecoder().decode(Page.self, from: unmarked).atOnce == nil)
        page.atOnce = true
        #expect(try JSONDecoder().decode(Page.self, from: JSONEncoder().encode(page)).atOnce == true)
    }
}
