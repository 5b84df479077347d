import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

@Suite struct LifecycleTests {
    func refusal(_ drill: Drill, _ text: String, by actor: PersonID) -> IncidentError? {
        var copy = drill
        do {
            try copy.type(text, by: actor)
            return nil
        } catch let error as IncidentError {
            return error
        } catch {
            return IncidentError(.unknown, "\(error)")
        }
    }

    /// A comms lead gone off shift: `/role comms none` leaves the role to nobody, and the
    /// nudges mention the IC alone. No command did, and the comms lead was named in every P1
    /// nudge until someone else took the role.
    @Test func aRoleIsLeftToNobody() throws {
        var drill = try Drill("/incident declare DB down --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.type("/role comms @carol", by: "alice")
        #expect(refusal(drill, "/role comms none", by: "bob") != nil)
        let cleared = try drill.type("/role comms none", by: "alice")
        #expect(drill.incident.roles[.comms] == nil)
        #expect(cleared.reply?.plainText() == "Nobody is the comms lead of INC-1 now.")
        #expect(drill.posts(to: .incidentRoom).last == "Nobody is the comms lead now; @carol was (changed by @alice).")
        #expect(drill.timeline.last?.text == "Nobody is the comms lead now (was @carol).")
        #expect(refusal(drill, "/role comms off", by: "alice")?.description == "Nobody is the comms lead of INC-1.")
        try drill.run(to: 31)
        #expect(drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") }?.hasPrefix("⏰ @alice a status update") == true)
        #expect(drill.incident.commander == "alice")
    }

    @Test func onlyTheLeadsChangeTheIncidentOnceAnICIsNamed() throws {
        var drill = try Drill("/incident declare DB down --sev P1", by: "erin")
        // Before an IC is named anyone may.
        try drill.type("/role comms @frank", by: "bob")
        try drill.type("/ic @alice", by: "bob")
        for text in ["/sev P0", "/ic @bob", "/role scribe @bob", "/incident mitigated", "/incident resolve", "/incident close"] {
            let error = refusal(drill, text, by: "bob")
            #expect(error?.kind == .notAllowed, "\(text)")
            #expect(error?.description.hasPrefix("Only the incident commander (@alice), the declarer (@erin) or an incident admin can") == true)
        }
        // Anyone may still note, update, and ask.
        try drill.type("/note seen from bob's laptop", by: "bob")
        try drill.type("/update still down", by: "bob")
        // The IC, the declarer and an admin may.
        try drill.type("/sev P0", by: "alice")
        try drill.type("/role scribe @dave", by: "erin")
        try drill.type("/sev P1 back to one region", by: "grace")
        #expect(drill.incident.severity == .p1)
        #expect(drill.incident.roles == [.commander: "alice", .comms: "frank", .scribe: "dave"])

        // A declarer who is also the commander is named once.
        let own = try Drill("/incident declare Cache down --sev P2 --ic @alice", by: "alice")
        #expect(refusal(own, "/sev P1", by: "bob")?.description
                == "Only the incident commander, who declared it (@alice), or an incident admin can change the severity.")
    }

    @Test func onlyPagedEngineersCanAcknowledge() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 31)
        #expect(refusal(drill, "/ack", by: "carol")?.message == "Only people paged for INC-1 can acknowledge (@alice, @bob).")
        #expect(refusal(drill, "/ack", by: "erin")?.description.hasPrefix("You were notified on the business ladder") == true)
        try drill.type("/ack", by: "bob")
        #expect(drill.incident.acknowledgedAt == Fixtures.at(31))
        #expect(drill.incident.ladders["engineering"]?.stopped == .acknowledged)
        #expect(drill.incident.ladders["business"]?.stopped == nil)
        try drill.type("/ack", by: "alice")
        #expect(drill.incident.acknowledgedAt == Fixtures.at(31))
        #expect(drill.timeline.filter { $0.kind == .acknowledged }.map(\.text)
                == ["Acknowledged by @bob (in chat).", "Also acknowledged by @alice (in chat)."])
        // The room hears the first answer once (on every platform it is mirrored to): the
        // answer to /ack is the asker's, ephemeral on Slack, and the room never knew.
        #expect(drill.posts(to: .incidentRoom).filter { $0.hasPrefix("✅") }
                == ["✅ Acknowledged: @bob answered the page (/ack); the engineering ladder has stopped."])
        // Named as each platform's people type it: on Matrix that is `!ack`, and "(/ack)" there
        // named a command Element answers as unknown.
        let acknowledged = drill.effects.compactMap { _, effect -> Message? in
            guard case .post(let message, .incidentRoom) = effect.action else { return nil }
            return message.plainText().hasPrefix("✅") ? message : nil
        }
        #expect(acknowledged.map { $0.plainText(commandPrefix: "!") }
                == ["✅ Acknowledged: @bob answered the page (!ack); the engineering ladder has stopped."])
    }

    /// A P0 declared under a policy with a VP level the roster (edited since, with the policy
    /// in force) no longer fills: the missed updates that reach that level page nobody, and
    /// their nudge says so instead of "escalating to the next level".
    @Test func aMissedUpdatesStepToAnUnfilledLevelSaysNobodyWasPaged() throws {
        let withoutVP = try Policy.load(yaml: Fixtures.text("policy.yaml")
            .replacingOccurrences(of: "    page_at_once: [engineering.L4]   # \"escalation: immediate to VP Engineering\"\n", with: "")
            .replacingOccurrences(of: "      - level: L4\n        role: VP engineering\n        methods: [phone]\n        wait: 15m\n        severities: [P0]\n", with: ""),
            file: "policy.yaml")
        let roster = try Roster.load(yaml: Fixtures.text("roster.example.yaml").replacingOccurrences(of: "    L4: dave                           # VP engineering\n", with: ""),
                                     file: "roster.yaml", policy: withoutVP)
        var drill = try Drill("/incident declare Checkout down --sev P0", roster: roster)
        try drill.run(to: 4 * 60)
        let nudges = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") }
        #expect(nudges.contains { $0.contains("nobody fills engineering.L4 in the roster, so nobody was paged") }, "\(nudges)")
        #expect(!drill.pages.contains { $0.contains("engineering.L4") })
    }

    @Test func theLifecycleMovesForwardOnly() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        #expect(refusal(drill, "/incident close", by: Fixtures.responder)?.kind == .wrongPhase)
        try drill.type("/incident mitigated", by: Fixtures.responder)
        #expect(refusal(drill, "/incident mitigated", by: Fixtures.responder)?.message == "INC-1 is already mitigated.")
        try drill.type("/incident resolve fixed the index", by: Fixtures.responder)
        #expect(refusal(drill, "/incident resolve", by: Fixtures.responder)?.message == "INC-1 is already resolved.")
        #expect(refusal(drill, "/ack", by: "alice")?.kind == .wrongPhase)
        try drill.type("/note post-mortem scheduled", by: "alice")
        try drill.type("/incident close", by: Fixtures.responder)
        for text in ["/note late", "/update x", "/sev P0", "/incident resolve", "/ic @bob", "/incident close"] {
            #expect(refusal(drill, text, by: Fixtures.responder)?.message == "INC-1 is closed; its record can no longer change.", "\(text)")
        }
        #expect(drill.incident.phase == .closed)
        #expect(drill.incident.nextDue == nil)
        #expect(drill.timeline.map(\.kind).filter { [.declared, .mitigated, .resolved, .closed].contains($0) }
                == [.declared, .mitigated, .resolved, .closed])
    }

    @Test func queriesAndDeclarationsAreRefusedNotTrapped() throws {
        let drill = try Drill("/incident declare DB down --sev P1")
        for command in [Command.status, .list, .escalation, .postmortem, .help(topic: nil),
                        .declare(Declaration(title: "again"))] {
            #expect(throws: IncidentError.self, "\(command)") {
                try drill.incident.handling(command, by: "alice", at: Fixtures.at(1), roster: drill.roster)
            }
        }
    }

    @Test func changesThatChangeNothingAreRefused() throws {
        var drill = try Drill("/incident declare DB down --sev P1 --ic @alice", by: Fixtures.responder)
        #expect(refusal(drill, "/sev P1", by: "alice")?.message == "INC-1 is already P1.")
        #expect(refusal(drill, "/ic @alice", by: "alice")?.kind == .noChange)
        try drill.type("/role comms @bob", by: "alice")
        #expect(refusal(drill, "/role comms @bob", by: "alice")?.kind == .noChange)
        #expect(refusal(drill, "/ic @nobody", by: "alice")?.kind == .unknown)
    }

    /// A change that leaves the topic as it was sets nothing: on Slack every setting is an
    /// event in the channel. An update after the resolution set the same topic again.
    @Test func anUnchangedTopicIsNotSetAgain() throws {
        var drill = try Drill("/incident declare DB down --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 10, script: [10: [("alice", "/incident resolve rolled back")]])
        let late = try drill.type("/update still flaky for some", by: "dave")
        #expect(!late.effects.contains { if case .setTopic = $0.action { true } else { false } })
        let raised = try drill.type("/sev P0 checkout too", by: "alice")
        #expect(raised.effects.contains { if case .setTopic = $0.action { true } else { false } })
    }

    /// Two updates seconds apart in one minute: the second moves the next update's due time
    /// by seconds, and the topic, which shows the minute, reads the same. It was set again,
    /// and on Slack every setting is a line in the channel.
    @Test func aTopicWhoseTextWouldNotChangeIsNotSetAgain() throws {
        var drill = try Drill("/incident declare DB down --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 5)
        func setsTopic(_ decision: Decision) -> Bool { decision.effects.contains { if case .setTopic = $0.action { true } else { false } } }
        #expect(setsTopic(try drill.type("/update one status: digging", by: "alice")))
        let same = try drill.type("/update two", by: "alice", seconds: 10)
        #expect(drill.incident.nextUpdateDue == Fixtures.at(35) + .seconds(10))
        #expect(!setsTopic(same))
        #expect(setsTopic(try drill.type("/update three status: rolling back", by: "alice", seconds: 20)))
    }

    @Test func anUpdateResetsTheCadenceAndShowsItsStatusInTheTopic() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 31)
        #expect(drill.incident.missedUpdates == 1)
        try drill.type("/update Failing over status: identified impact: EU", by: "alice")
        #expect(drill.incident.missedUpdates == 0)
        #expect(drill.incident.lastUpdateAt == Fixtures.at(31))
        #expect(drill.incident.nextUpdateDue == Fixtures.at(61))
        guard case .setTopic(let topic) = drill.effects.first(where: {
            if case .setTopic = $0.effect.action { return $0.minute == 31 } else { return false }
        })?.effect.action else {
            Issue.record("no topic change")
            return
        }
        #expect(topic.plainText() == "SEV P1 | IC unassigned | status: identified | next update 11:01 UTC | call: https://meet.example.com/incident-1")
        let broadcast = drill.posts(to: .broadcast).last!
        #expect(broadcast == "📣 INC-1 update (P1) from @alice\nFailing over\nStatus: identified\nImpact: EU\nNext update due 11:01 UTC.")
    }

    /// An update from someone off the roster names their account in its heading: a client
    /// shows the mention by a display name its owner picks, and the broadcast channel reads
    /// the update as the incident's word.
    @Test func anUpdateFromOffTheRosterNamesTheAccount() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.type("/update Looks like the EU region", by: Fixtures.reporter)
        #expect(drill.posts(to: .broadcast).last?.hasPrefix("📣 INC-1 update (P1) from @U0REPORTER (not on the roster: @U0REPORTER)\n") == true,
                "\(drill.posts(to: .broadcast))")
        try drill.type("/update Failing over", by: "alice")
        #expect(drill.posts(to: .broadcast).last?.hasPrefix("📣 INC-1 update (P1) from @alice\n") == true)
    }

    /// A scheduler that was down catches up several missed updates in one go: the one nudge
    /// says what the most any of them did (a page went out), not only what the last did.
    @Test func aCaughtUpNudgeSaysTheMostItsMissesDid() throws {
        var steady = try Drill("/incident declare DB down --sev P1 --ic @alice", by: Fixtures.responder)
        try steady.run(to: 12 * 60)
        let nudges = steady.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") }
        let quiet = try #require(nudges.firstIndex { $0.contains("nobody further is paged") }, "\(nudges)")
        // The last misses that page repeat the top (carol, engineering manager): no next level.
        #expect(nudges[quiet - 1].hasSuffix("the top of the ladder is paged again; there is no level above it."))
        #expect(nudges.contains { $0.hasSuffix("escalating to the next level.") })
        // The same incident, its scheduler down across the last paging miss and the first quiet one.
        var caughtUp = try Drill("/incident declare DB down --sev P1 --ic @alice", by: Fixtures.responder)
        let lastPaging = steady.nudges[quiet - 1]
        try caughtUp.run(to: lastPaging - 1)
        let decision = caughtUp.incident.tick(at: caughtUp.origin + .minutes(steady.nudges[quiet] + 1), roster: caughtUp.roster)
        let posted = decision.effects.compactMap { effect -> String? in
            if case .post(let message, .incidentRoom) = effect.action, message.kind == .nudge { message.plainText() } else { nil }
        }
        // (It is also the eighth miss in a row: the last nudge, which says so on a line of its own.)
        #expect(posted.count == 1 && posted[0].contains("the top of the ladder is paged again; there is no level above it."), "\(posted)")
        #expect(posted.first?.contains("This is the last nudge for INC-1 until an update: 8 in a row.") == true, "\(posted)")
    }

    /// The topic as last set, by the room's creation or since.
    func topic(_ drill: Drill) -> String? {
        drill.effects.compactMap { _, effect -> String? in
            switch effect.action {
            case .setTopic(let topic), .createRoom(_, let topic, _, _): topic.plainText()
            default: nil
            }
        }.last
    }

    /// The topic is where the phase is read: a typed status cannot add fields to it, claim a
    /// phase its command did not set, or hide the resolution; a long one is cut visibly.
    /// An update after the resolution: its author is told it stays resolved wherever it was
    /// typed. In the room, a trusted author's reply counts as more than the room's post (on
    /// Matrix such a reply was dropped as a copy of the post).
    @Test func anUpdateAfterTheResolutionIsAnsweredInTheRoomToo() throws {
        var drill = try Drill("/incident declare DB down --sev P1", by: "erin")
        try drill.type("/incident resolve fixed", by: "erin")
        let decision = try drill.type("/update error rate falling status: monitoring", by: "alice")
        #expect(decision.replyAddsToPost)
        #expect(decision.reply?.plainText().contains("and stays resolved: the status “monitoring” is on its record only.") == true)
        #expect(drill.incident.phase == .resolved)
    }

    @Test func aTypedStatusCannotForgeTheTopic() throws {
        var drill = try Drill("/incident declare DB down --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.type("/update hmm status: a | IC @bob | next update 99:99", by: "alice")
        #expect(topic(drill)?.contains("| status: a / IC @bob / next update 99:99 | next update 10:30 UTC") == true, "\(topic(drill) ?? "")")
        // A `|` joined to the character before it (U+0600) is a `|` to the topic's reader too.
        try drill.type("/update hmm status: a \u{0600}| IC @bob", by: "alice")
        #expect(topic(drill)?.contains("| status: a \u{0600}/ IC @bob | next update") == true, "\(topic(drill) ?? "")")
        try drill.type("/update long status: " + String(repeating: "degraded ", count: 8), by: "alice")
        #expect(topic(drill)?.contains("status: degraded degraded degraded degraded deg… |") == true, "\(topic(drill) ?? "")")
        let refused = refusal(drill, "/update all good now status: resolved", by: "alice")
        #expect(refused?.kind == .wrongPhase)
        #expect(refused?.description == "status: resolved is set by /incident resolve, not by an update; use that, or give another status (like monitoring).")
        #expect(refusal(drill, "/update better status: Mitigated", by: "alice")?.kind == .wrongPhase)
        // Punctuation after the word named the phase all the same, and got through: the topic,
        // the broadcast and the next page then said "resolved." of an incident still paging.
        #expect(refusal(drill, "/update rollback done status: resolved.", by: "alice")?.kind == .wrongPhase)
        #expect(refusal(drill, "/update better status: MITIGATED - monitoring", by: "alice")?.kind == .wrongPhase)
        #expect(refusal(drill, "/update better status: *resolved*", by: "alice")?.kind == .wrongPhase)
        // Look-alikes too: the topic read "status: Résolved" of an incident still paging (found by an audit).
        #expect(refusal(drill, "/update better status: Résolved", by: "alice")?.kind == .wrongPhase)
        #expect(refusal(drill, "/update better status: ｒｅｓｏｌｖｅｄ", by: "alice")?.kind == .wrongPhase)
        #expect(refusal(drill, "/update better status: MİTİGATED", by: "alice")?.kind == .wrongPhase)
        for lookalike in ["re\u{200D}solved", "resolved\u{200C}", "c\u{200D}losed", "𝐫𝐞𝐬𝐨𝐥𝐯𝐞𝐝", "ⓡⓔⓢⓞⓛⓥⓔⓓ"] {
            #expect(refusal(drill, "/update better status: \(lookalike)", by: "alice")?.kind == .wrongPhase, "\(lookalike)")
        }
        try drill.type("/update on it status: resolving the replica lag", by: "alice")
        try drill.type("/incident mitigated", by: "alice")
        // The one way back (MitigationNotHeldTests): the problem is back.
        try drill.type("/update it is back status: investigating", by: "alice")
        #expect(drill.incident.phase == .investigating && topic(drill)?.contains("status: investigating") == true, "\(topic(drill) ?? "")")
        #expect(refusal(drill, "/update better status: investigating", by: "alice")?.kind == nil)
        try drill.type("/incident resolve fixed", by: "alice")
        // Resolved: the topic keeps the phase whatever the status says, so any status is taken.
        try drill.type("/update for the record status: mitigated", by: "alice")
        try drill.type("/update watching the graphs status: monitoring", by: "alice")
        #expect(topic(drill)?.contains("status: resolved") == true, "\(topic(drill) ?? "")")
        // The broadcast room reads no update after the resolution as the incident back on.
        #expect(drill.posts(to: .broadcast).last?.hasPrefix("📣 INC-1 update (P1, resolved) from @alice") == true,
                "\(drill.posts(to: .broadcast).last ?? "")")
        try drill.type("/update all fine status: investigating", by: "alice")
        #expect(drill.posts(to: .broadcast).last?.contains("Status: investigating (on its record only: INC-1 stays resolved)") == true,
                "\(drill.posts(to: .broadcast).last ?? "")")
        #expect(drill.incident.statusText == "resolved")
        // Nor a severity raised for the record as a live escalation.
        try drill.type("/sev P0 it was worse than we thought", by: "alice")
        #expect(drill.posts(to: .broadcast).last?.hasPrefix("INC-1 severity raised P1 → P0 (resolved, for the record) by @alice") == true,
                "\(drill.posts(to: .broadcast).last ?? "")")
    }

    /// A P2 declared at 16:00 owes its first update two working hours on: 11:00 the next day,
    /// which the kickoff, the topic and the status say, with the date, instead of 18:00.
    @Test func aP2sNextUpdateIsShownWhenItIsReallyDue() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder,
                              at: Timestamp(iso8601: "2026-11-24T16:00:00Z")!)
        let due = Timestamp(iso8601: "2026-11-25T11:00:00Z")!
        #expect(drill.incident.updateDue == due)
        #expect(drill.posts(to: .incidentRoom).first?.contains("Next status update due: 2026-11-25 11:00 UTC (every 2h)") == true)
        #expect(topic(drill)?.hasSuffix("next update 2026-11-25 11:00 UTC") == true, "\(topic(drill) ?? "")")
        let status = IncidentQueries.status(drill.incident, now: drill.origin + .minutes(90)).plainText()
        #expect(status.contains("Next update due 2026-11-25 11:00 UTC"), "\(status)")
        try drill.run(to: 19 * 60 + 1)
        #expect(drill.nudges == [19 * 60])
    }

    /// A P2 declared at 15:00 owes its update at the 17:00 close: the two hours were all
    /// working hours. It owed it at 11:00 the next day, while one declared at 14:59 owed it at
    /// 16:59. One declared at 15:01 owes it past the close: its clock starts again at 09:00.
    @Test func aP2sUpdateDueAtTheCloseIsDueThen() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder,
                              at: Timestamp(iso8601: "2026-11-24T15:00:00Z")!)
        #expect(drill.incident.updateDue == Timestamp(iso8601: "2026-11-24T17:00:00Z")!)
        try drill.run(to: 121)
        #expect(drill.nudges == [120])
        let later = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder,
                              at: Timestamp(iso8601: "2026-11-24T15:01:00Z")!)
        #expect(later.incident.updateDue == Timestamp(iso8601: "2026-11-25T11:00:00Z")!)
    }

    /// Mitigated: missed updates are nudged and page nobody, and the nudge says so instead of
    /// telling the room that the next level is being paged.
    @Test func aNudgeSaysWhatTheMissDid() throws {
        var drill = try Drill("/incident declare Checkout down --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 61)
        let nudges = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") }
        #expect(nudges.count == 2)
        #expect(!nudges[0].contains("missed"))
        #expect(nudges[1].hasSuffix("2 updates missed in a row: escalating to the next level."), "\(nudges[1])")
        try drill.type("/incident mitigated", by: "alice")
        try drill.run(to: 91)
        let last = drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") }
        #expect(last?.hasSuffix("3 updates missed in a row; nobody further is paged while the incident is mitigated. "
                                + "If the problem is back: /update INC-1 status: investigating.") == true, "\(last ?? "")")
        #expect(drill.pages.filter { $0.hasPrefix("90 ") }.isEmpty)
    }

    @Test func aRaiseRetimesTheCadenceFromTheLastUpdate() throws {
        var drill = try Drill("/incident declare DB down --sev P2")
        try drill.run(to: 5, script: [5: [(Fixtures.responder, "/sev P0")]])
        #expect(drill.incident.nextUpdateDue == Fixtures.at(15))
        var late = try Drill("/incident declare DB down --sev P2")
        try late.run(to: 50, script: [50: [(Fixtures.responder, "/sev P1")]])
        #expect(late.incident.nextUpdateDue == Fixtures.at(80))
        try late.run(to: 51, script: [51: [(Fixtures.responder, "/sev P3")]])
        #expect(late.incident.nextUpdateDue == nil)
        #expect(late.incident.nextDue != nil, "the engineering ladder still climbs")
    }

    @Test func theIncidentKeepsThePolicyItWasDeclaredUnder() throws {
        var strict = try Fixtures.policy()
        strict.severities[.p1]?.updateEvery = .minutes(10)
        var drill = try Drill("/incident declare DB down --sev P1", policy: strict)
        try drill.run(to: 25)
        #expect(drill.nudges == [10, 20])
        // The policy is stored as it encodes; read back, it is the same policy.
        let stored = try JSONRoundTrip.copy(drill.incident.policy)
        #expect(stored == strict)
        #expect(stored.updateInterval(.p1) == .minutes(10))
    }
}
