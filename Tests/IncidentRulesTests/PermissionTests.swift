import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// Who may change an incident (docs/behaviour.md, "Who may do what"): every command against
/// every kind of person, in the incident's room and elsewhere. What matters most: nobody the
/// bot does not trust can stop or slow a page.
@Suite struct PermissionTests {
    /// Kinds of people, as the rules meet them.
    static let roster: PersonID = "carol"
    static let paged: PersonID = "alice"
    static let member = PersonID.unlisted(.slack, "U0MEMBER1")
    static let declarer = Fixtures.reporter

    /// The commands that stop or slow paging, or change who runs the incident.
    static let steering = ["/ack", "/ic @bob", "/role comms @bob", "/sev P2 only EU", "/sev P0",
                           "/incident mitigated", "/incident resolve"]
    static let chatter = ["/update still looking", "/note the graph dipped"]

    /// A P1 declared by someone off the roster, 16 minutes in: alice (L1) and bob (L2) paged.
    func drill() throws -> Drill {
        var drill = try Drill("/incident declare Checkout errors --sev P1")
        try drill.run(to: 16)
        return drill
    }

    func outcome(_ drill: Drill, _ text: String, by actor: PersonID, in venue: Venue,
                 community: Community = .everyone) -> IncidentError? {
        var copy = drill
        do {
            try copy.type(text, by: actor, in: venue, community: community)
            return nil
        } catch let error as IncidentError {
            return error
        } catch {
            return IncidentError(.unknown, "\(error)")
        }
    }

    @Test(arguments: [Venue.incidentRoom, .elsewhere])
    func anUnlistedAccountCannotStopOrSlowAPage(venue: Venue) throws {
        let drill = try drill()
        for actor in [Self.member, Self.declarer] {
            for text in Self.steering {
                let error = outcome(drill, text, by: actor, in: venue)
                #expect(error?.kind == .notAllowed, "\(actor) \(text) \(venue)")
            }
        }
        // The engineering ladder runs on as if nobody had typed anything.
        var untouched = drill
        try untouched.run(to: 60)
        #expect(untouched.pages.last == "60 engineering.L3 carol")
    }

    @Test func anUnlistedAccountMayUpdateAndNoteInTheRoomOnly() throws {
        let drill = try drill()
        for text in Self.chatter {
            #expect(outcome(drill, text, by: Self.member, in: .incidentRoom) == nil, "\(text)")
            let elsewhere = outcome(drill, text, by: Self.member, in: .elsewhere)
            #expect(elsewhere?.description == "Only people on the roster can change INC-1 from outside its room; "
                + "type it in #incident-20261124-checkout-errors.", "\(text)")
        }
    }

    /// An acknowledgement is taken wherever the page landed, so its refusal to someone never
    /// paged says who was, in the room or out of it; it once told an outsider in a lobby to go
    /// to the room, where they were refused again. A second person's acknowledgement is
    /// answered as what it is, not as the one that stopped the ladder.
    @Test(arguments: [Venue.incidentRoom, .elsewhere])
    func anAcknowledgementsAnswerSaysWhatItDid(venue: Venue) throws {
        var drill = try drill()
        try drill.run(to: 46)
        // Someone the roster does not list (a leaver too, whose page may name them) is told so first.
        #expect(outcome(drill, "/ack", by: Self.member, in: venue)?.description
            == "You are not on the roster, so your acknowledgement is not taken. Only people paged for INC-1 can acknowledge (@alice, @bob).")
        #expect(outcome(drill, "/ack", by: "carol", in: venue)?.description == "Only people paged for INC-1 can acknowledge (@alice, @bob).")
        var reply = try drill.type("/ack", by: "bob", in: venue).reply?.plainText()
        #expect(reply == "Acknowledged INC-1; the engineering ladder has stopped.")
        reply = try drill.type("/ack", by: "alice", in: venue).reply?.plainText()
        #expect(reply == "Also acknowledged INC-1; @bob had acknowledged it before, so the ladder had stopped already.")
    }

    /// A business page asks for nothing: it is not "unanswered", says updates follow (they go
    /// on past mitigation), and the business person's `/ack` is told who ends the ladder, not
    /// steered to mark the incident mitigated themselves.
    @Test func aBusinessPageAsksForNothingAndItsAckNamesWhoStopsIt() throws {
        var drill = try drill()
        let business = try #require(drill.incident.pages.first { $0.level.ladder == "business" }?.person)
        let page = drill.effects.compactMap { _, effect -> String? in
            if case .page(let page) = effect.action, page.person == business { page.message.plainText() } else { nil }
        }.first ?? ""
        #expect(page.contains("Open since 10:00 UTC") && !page.contains("Unanswered"), "\(page)")
        #expect(page.contains("For your information; nothing to answer. Updates follow in the broadcast channel."), "\(page)")
        #expect(outcome(drill, "/ack", by: business, in: .incidentRoom)?.description
            == "You were notified on the business ladder, which /ack does not stop; it stops once INC-1 is marked mitigated.")
    }

    /// After the mitigation stopped the ladders, an answer is not told it stopped them, nor
    /// that the business ladder stops "when INC-1 is mitigated", which it already is.
    @Test func anAnswerAfterTheMitigationSaysTheLaddersHadStopped() throws {
        var drill = try drill()
        try drill.run(to: 46)
        try drill.type("/incident mitigated", by: Self.roster)
        let business = try #require(drill.incident.pages.first { $0.level.ladder == "business" }?.person)
        #expect(outcome(drill, "/ack", by: business, in: .incidentRoom)?.description
            == "You were notified on the business ladder, which /ack does not stop; it stopped when INC-1 was mitigated.")
        let reply = try drill.type("/ack", by: "bob", in: .incidentRoom).reply?.plainText()
        #expect(reply == "Acknowledged INC-1; the engineering ladder had stopped already, when it was mitigated.")
    }

    /// Naming an IC is their acknowledgement, made by whoever named them: the timeline says so,
    /// instead of putting it in the mouth of an IC who typed nothing ("Acknowledged by @bob",
    /// the record an audit read as bob's answer).
    @Test func theAcknowledgementByNamingAnICIsByWhoeverNamedThem() throws {
        var drill = try drill()
        try drill.type("/ic @bob", by: Self.roster)
        let entry = try #require(drill.timeline.first { $0.kind == .acknowledged })
        #expect(entry.text == "Acknowledged for @bob (named incident commander by @carol).")
        #expect(entry.author == Self.roster)
        try drill.type("/ic @alice", by: "bob")
        #expect(drill.timeline.last { $0.kind == .acknowledged }?.text == "Also acknowledged for @alice (named incident commander by @bob).")
    }

    /// A role handed on says whose it was: the record shows who held it when.
    @Test func aReplacedRoleSaysWhoHeldItBefore() throws {
        var drill = try drill()
        try drill.type("/role comms @bob", by: Self.roster)
        try drill.type("/role comms @alice", by: Self.roster)
        #expect(drill.timeline.filter { $0.kind == .roleAssigned }.map(\.text)
            == ["@bob is the comms lead.", "@alice is the comms lead (was @bob)."])
    }

    @Test(arguments: [Venue.incidentRoom, .elsewhere])
    func rosterPeopleSteerBeforeAnICIsNamed(venue: Venue) throws {
        let drill = try drill()
        for text in Self.steering + Self.chatter where text != "/ack" {
            #expect(outcome(drill, text, by: Self.roster, in: venue) == nil, "\(text)")
        }
        // Only someone paged can acknowledge.
        #expect(outcome(drill, "/ack", by: Self.roster, in: venue)?.kind == .notAllowed)
        #expect(outcome(drill, "/ack", by: Self.paged, in: venue) == nil)
    }

    @Test func theRefusalSaysWhoMay() throws {
        let drill = try drill()
        #expect(outcome(drill, "/ic @bob", by: Self.member, in: .incidentRoom)?.message
            == "Until INC-1 has an incident commander, only people on the roster or paged for it can assign the incident commander.")
    }

    /// The reproduced attack: a stranger names another stranger IC from a direct message,
    /// which would count as the acknowledgement and stop the engineering ladder.
    @Test func aStrangerCannotNameAStrangerICFromADirectMessage() throws {
        var drill = try drill()
        let stranger = PersonID.unlisted(.slack, "U0NOBODY1")
        #expect(outcome(drill, "/ic INC-1 <@U0NOBODY1>", by: stranger, in: .elsewhere)?.kind == .notAllowed)
        #expect(outcome(drill, "/ic INC-1 <@U0NOBODY1>", by: stranger, in: .incidentRoom)?.kind == .notAllowed)
        try drill.run(to: 45)
        #expect(drill.incident.commander == nil)
        #expect(drill.incident.ladders["engineering"]?.stopped == nil)
    }

    /// A declarer off the roster gains nothing once a responder takes the incident: it named
    /// itself IC over them and then lowered, made private and resolved the incident.
    @Test func onceAnICIsNamedAnUnlistedDeclarerStillCannotSteer() throws {
        var drill = try drill()
        try drill.type("/ic @alice", by: Self.roster)
        for text in ["/ic <@\(Fixtures.reporter.rawValue.split(separator: ":").last!)>", "/sev P2", "/incident private", "/incident mitigated",
                     "/incident resolve", "/role comms @bob"] {
            let refused = outcome(drill, text, by: Self.declarer, in: .incidentRoom)
            #expect(refused?.kind == .notAllowed, "\(text)")
            #expect(refused?.message.description.hasPrefix("Only the incident commander (@alice) or an incident admin can") == true, "\(refused?.message.description ?? "")")
        }
        #expect(outcome(drill, "/incident resolve", by: Self.member, in: .incidentRoom)?.kind == .notAllowed)
        // Chatter stays theirs: an update, a note. But their update does not hold off the
        // missed-update steps that page when the IC goes quiet.
        try drill.run(to: 16 + 31)
        let missed = drill.incident.missedUpdates
        #expect(missed > 0)
        let update = try drill.type("/update still failing for me", by: Self.declarer)
        #expect(drill.incident.missedUpdates == missed)
        #expect(update.reply?.plainText().contains("once an IC is named, only the updates") == true, "\(update.reply?.plainText() ?? "")")
    }

    /// Someone named IC by another acknowledged nothing themselves: their `/ack` says the role
    /// did, not "You already acknowledged". And `/incident public` on a public incident says
    /// it is not private, to anyone, before saying who may.
    @Test func answersSayWhatIsTrueOfTheAsker() throws {
        var drill = try drill()
        try drill.type("/ic @alice", by: Self.roster)
        #expect(outcome(drill, "/ack", by: Self.paged, in: .incidentRoom)?.message
            == "You are INC-1's incident commander, which acknowledges its page; nothing more to do. Thank you.")
        #expect(outcome(drill, "/incident public", by: Self.roster, in: .incidentRoom)?.message == "INC-1 is not private.")
    }

    /// A declarer on the roster shares the IC's say, as the table in behaviour.md has it.
    @Test func onceAnICIsNamedADeclarerOnTheRosterMaySteer() throws {
        var drill = try Drill("/incident declare Checkout errors --sev P1", by: "erin")
        try drill.run(to: 16)
        try drill.type("/ic @alice", by: Self.roster)
        #expect(outcome(drill, "/sev P2", by: "erin", in: .incidentRoom) == nil)
        #expect(outcome(drill, "/incident resolve", by: "erin", in: .incidentRoom) == nil)
        #expect(outcome(drill, "/sev P2", by: Self.roster, in: .incidentRoom)?.message
            == "Only the incident commander (@alice), the declarer (@erin) or an incident admin can change the severity.")
    }

    @Test func anICOrRoleMustBeSomeoneTheBotCanReach() throws {
        let drill = try drill()
        let served = Community(matrix: ["example.org"])
        let refused = outcome(drill, "/ic @mallory:evil.example", by: Self.roster, in: .incidentRoom, community: served)
        #expect(refused?.kind == .notAllowed)
        #expect(refused?.message == "@mallory:evil.example is outside the accounts this bot serves (Matrix: accounts on example.org); name someone on the roster.")
        // A bot serving no Matrix account says nothing of Matrix.
        #expect(outcome(drill, "/ic @mallory:evil.example", by: Self.roster, in: .incidentRoom, community: Community(matrix: []))?.message
            == "@mallory:evil.example is outside the accounts this bot serves; name someone on the roster.")
        // Accounts allowed one by one are named as accounts, not as servers.
        let some = Community(matrix: ["example.org", "@eve:example.net"])
        #expect(outcome(drill, "/ic @mallory:evil.example", by: Self.roster, in: .incidentRoom, community: some)?.message
            == "@mallory:evil.example is outside the accounts this bot serves (Matrix: accounts on example.org; @eve:example.net); name someone on the roster.")
        #expect(outcome(drill, "/role scribe @mallory:evil.example", by: Self.roster, in: .incidentRoom, community: served)?.kind
            == .notAllowed)
        #expect(outcome(drill, "/ic @zoe:example.org", by: Self.roster, in: .incidentRoom, community: served) == nil)
        #expect(outcome(drill, "/ic <@U0MEMBER1>", by: Self.roster, in: .incidentRoom, community: served) == nil)
    }

    /// Someone on the roster reached only on platforms the bot is not on (or by mail, text or
    /// call alone) could not type the incident's commands, and a handover's briefing to them
    /// was given up: they are not named IC or given a role.
    @Test func aRosterPersonWithNoChatAccountHereIsNotNamed() throws {
        let drill = try drill()
        let slackOnly = Community().on([.slack])
        for typed in ["/ic @frank", "/role scribe @frank", "/ic @frank handover: the primary is failing over"] {
            let refused = outcome(drill, typed, by: Self.roster, in: .incidentRoom, community: slackOnly)
            #expect(refused?.kind == .notAllowed, "\(typed)")
            #expect(refused?.message.description
                == "@frank has no Slack account on the roster, so they could not type this incident's commands or get its direct messages; name someone who has.",
                "\(typed)")
        }
        #expect(outcome(drill, "/ic @frank", by: Self.roster, in: .incidentRoom, community: Community().on([.slack, .matrix])) == nil)
        #expect(outcome(drill, "/ic @frank", by: Self.roster, in: .incidentRoom, community: Community().on([.console])) == nil)
        #expect(outcome(drill, "/ic @alice", by: Self.roster, in: .incidentRoom, community: slackOnly) == nil)
    }

    /// A Slack mention on a bot that is not on Slack names nobody it can reach: as IC it
    /// counted as the acknowledgement and stopped the ladder, and the nudges went to nobody.
    @Test func anAccountOnAPlatformTheBotIsNotOnIsNobodyItCanReach() throws {
        let drill = try drill()
        let matrixOnly = Community(matrix: ["example.org"]).on([.matrix])
        for typed in ["/ic <@U0GHOST1>", "/role comms <@U0GHOST1>"] {
            let refused = outcome(drill, typed, by: Self.roster, in: .incidentRoom, community: matrixOnly)
            #expect(refused?.kind == .notAllowed, "\(typed)")
            #expect(refused?.message == "@U0GHOST1 is an account on Slack, which this bot is not on; name someone on the roster.")
        }
        #expect(outcome(drill, "/ic @zoe:example.org", by: Self.roster, in: .incidentRoom, community: matrixOnly) == nil)
        #expect(outcome(drill, "/ic @alice", by: Self.roster, in: .incidentRoom, community: Community.everyone.on([.console])) == nil)
        #expect(outcome(drill, "/ic @zoe:example.org", by: Self.roster, in: .incidentRoom, community: Community.everyone.on([.console]))?
            .kind == .notAllowed)
    }

    /// An account off the roster acts only in the incident's room: on a platform the incident
    /// has no room on (no mirror), it is not named; a roster person chatting there is.
    @Test func anUnlistedAccountWhereTheIncidentHasNoRoomIsNotNamed() throws {
        let drill = try drill()
        let slackRooms = Community(matrix: ["example.org"]).forRooms(on: [.slack])
        for typed in ["/ic @zoe:example.org", "/role comms @zoe:example.org"] {
            let refused = outcome(drill, typed, by: Self.roster, in: .incidentRoom, community: slackRooms)
            #expect(refused?.kind == .notAllowed, "\(typed)")
            #expect(refused?.message.description == "@zoe:example.org is a Matrix account off the roster, and this incident's room is on Slack alone: "
                + "they could not read the room or type its commands; name someone on the roster or in that room.", "\(typed)")
        }
        #expect(outcome(drill, "/ic <@U0MEMBER1>", by: Self.roster, in: .incidentRoom, community: slackRooms) == nil)
        #expect(outcome(drill, "/ic @frank", by: Self.roster, in: .incidentRoom, community: slackRooms) == nil)
        #expect(outcome(drill, "/ic @zoe:example.org", by: Self.roster, in: .incidentRoom,
                        community: Community(matrix: ["example.org"]).forRooms(on: nil)) == nil)
    }

    /// The bot itself is named by an autocompleted mention as easily as a person: as IC its
    /// nudges and handovers would reach no one.
    @Test func theBotsOwnAccountIsNeitherICNorARole() throws {
        let drill = try drill()
        final class Bot: LearnedAccounts {
            func learn(_ platform: Platform, account: String) {}
            func contains(_ person: PersonID) -> Bool { person == .unlisted(.slack, "UINCBOT01") }
            func knows(_ platform: Platform) -> Bool { platform == .slack }
        }
        let community = Community(matrix: ["example.org"], ownAccounts: Bot())
        let refused = outcome(drill, "/ic <@UINCBOT01>", by: Self.roster, in: .incidentRoom, community: community)
        #expect(refused?.kind == .notAllowed && refused?.message == "That is this bot's own account; name a person.")
        #expect(outcome(drill, "/role scribe <@UINCBOT01>", by: Self.roster, in: .incidentRoom, community: community)?.kind == .notAllowed)
        #expect(outcome(drill, "/ic <@U0MEMBER1>", by: Self.roster, in: .incidentRoom, community: community) == nil)
    }

    @Test func onlyRosterPeopleNameAnICWhenDeclaring() throws {
        #expect(throws: IncidentError(.notAllowed,
                                      "Only people on the roster can name an incident commander when declaring (it acknowledges the page); declare without --ic.")) {
            try Drill("/incident declare Checkout errors --sev P1 --ic <@U0NOBODY1>", by: Self.member)
        }
        let declared = try Drill("/incident declare Checkout errors --sev P1 --ic @alice", by: Self.roster)
        #expect(declared.incident.commander == "alice")
    }
}
