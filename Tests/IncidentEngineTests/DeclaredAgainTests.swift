import GRDB
import IncidentCore
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Testing

/// The same incident declared twice within ten minutes (a slash command typed again after its
/// answer came late, two responders declaring one alert) is answered with the incident that
/// exists: no second room, no second page (docs/behaviour.md, "Declaring").
@Suite struct DeclaredAgainTests {
    @Test func theSameTitleWithinTenMinutesIsTheSameIncident() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let pagesBefore = bot.pages
        bot.clock.advance(to: TestConfig.at(2))
        let again = try await bot.say("U0BOB0002", "/incident declare  payment api ERRORS --sev P1")
        #expect(again.disposition == .handled && again.incident == 1)
        let text = again.reply?.plainText() ?? ""
        #expect(text.contains("INC-1") && text.contains("(P1) was declared 2m ago by @") && text.contains("nothing new was declared")
                && text.contains("/sev INC-1 P0"), "\(text)")
        try await bot.settle()
        #expect(try await bot.store.read { try $0.incident(2) } == nil)
        #expect(bot.pages == pagesBefore)
        // The second declarer is invited to the room, as the first was.
        #expect(try await bot.store.read { try $0.incident(1)?.incident.invited?.contains(PersonID("bob")) } == true)

        // Punctuation typed in a hurry is the same title; another word is another incident,
        // whatever its room name.
        #expect(try await bot.say("U0BOB0002", "/incident declare Payment API errors!! --sev P1").incident == 1)
        #expect(try await bot.say("U0BOB0002", "/incident declare Payment-API: errors --sev P1").incident == 1)
        #expect(try await bot.say("U0BOB0002", "/incident declare Payment API errors (EU) --sev P1").incident == 2)
        // `+` and `#` are kept, and a title of no words is compared as typed.
        #expect(try await bot.say("U0BOB0002", "/incident declare C++ SDK crashes --sev P1").incident == 3)
        #expect(try await bot.say("U0BOB0002", "/incident declare C# SDK crashes --sev P1").incident == 4)
        #expect(try await bot.say("U0BOB0002", "/incident declare 🔥 --sev P1").incident == 5)
        #expect(try await bot.say("U0BOB0002", "/incident declare 💥 --sev P1").incident == 6)
        #expect(try await bot.say("U0BOB0002", "/incident declare  🔥  --sev P1").incident == 5)
    }

    /// The answer suggests the next severity up, and nothing to raise a P0 to.
    @Test func theAnswerSuggestsOnlyASeverityThereIs() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        try await bot.say("U0REPORTER", "/incident declare Payments down --sev P0")
        let p2 = try await bot.say("U0BOB0002", "/incident declare Checkout down --sev P2").reply?.plainText() ?? ""
        #expect(p2.contains("To raise its severity, /sev INC-1 P1; to declare another incident"), "\(p2)")
        let p0 = try await bot.say("U0BOB0002", "/incident declare Payments down --sev P0").reply?.plainText() ?? ""
        #expect(p0.contains("nothing new was declared. To declare another incident, give it another title.") && !p0.contains("/sev"),
                "\(p0)")
    }

    /// Declared again once mitigated, most likely the problem is back: the answer says the
    /// incident is mitigated and how to set it back, which its ladders would otherwise not page
    /// for. It said only that the incident was open, and to raise its severity, which paged nobody.
    @Test func aMitigatedIncidentDeclaredAgainSaysHowToSetItBack() async throws {
        let bot = try TestBot()
        try await bot.say("U0BOB0002", "/incident declare Queue backlog --sev P2")
        let mitigated = try await bot.say("U0BOB0002", "/incident mitigated INC-1").reply?.plainText() ?? ""
        #expect(mitigated == "INC-1 is mitigated.", "\(mitigated)")
        let again = try await bot.say("U0BOB0002", "/incident declare Queue backlog --sev P2").reply?.plainText() ?? ""
        #expect(again.contains("and is mitigated, in #incident-") && again.contains("nothing new was declared. If the problem is back, "
                + "/update INC-1 status: investigating sets it back, and its ladders climb again."), "\(again)")
    }

    /// A declaration that asks for more than the incident has is declared as before: a higher
    /// severity's pages must go out, and a named commander acknowledges.
    @Test func aHigherSeverityOrACommanderIsDeclaredAsBefore() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        #expect(try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P3").incident == 1)
        #expect(try await bot.say("U0REPORTER", "/incident declare Checkout down").incident == 1)
        #expect(try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P0").incident == 2)
        #expect(try await bot.say("U0CAROL03", "/incident declare Checkout down --sev P2 --ic <@U0CAROL03>").incident == 3)
        // The same commander again is the same incident: a retype after a late answer pages nobody twice.
        #expect(try await bot.say("U0CAROL03", "/incident declare Checkout down --sev P2 --ic <@U0CAROL03>").incident == 3)
        #expect(try await bot.say("U0CAROL03", "/incident declare Checkout down --sev P2 --ic <@U0BOB0002>").incident == 4)
    }

    /// Without `--sev` a declaration asks for the policy's default (P2): a bystander's P3 of the
    /// same title, declared first, does not swallow it (a P3 pages the team lead a day later,
    /// and nobody at night). A bystander who repeats a title is told where it is, and is not
    /// let into its room by it (on Matrix an invitation gives a responder's power there).
    @Test func aDeclarationAsksForTheDefaultSeverityAndABystanderIsNotLetIn() async throws {
        let bot = try TestBot()
        try await bot.say("U0STRANGER", "/incident declare Checkout down --sev P3")
        let onCall = try await bot.say("U0ALICE01", "/incident declare Checkout down")
        #expect(onCall.incident == 2, "\(onCall.reply?.plainText() ?? "")")
        #expect(try await bot.store.read { try $0.incident(2)?.incident.severity } == .p2)
        let repeated = try await bot.say("U0OUTSIDER", "/incident declare Checkout down")
        #expect(repeated.incident == 2 && repeated.reply?.plainText().contains("nothing new was declared") == true)
        let invited = try await bot.store.read { try $0.incident(2)?.incident.invited ?? [] }
        #expect(!invited.contains { $0.rawValue.contains("U0OUTSIDER") }, "\(invited)")
    }

    @Test func pastTenMinutesOrOnceResolvedItIsANewIncident() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        // Ten minutes on, to the second: declared anew, as behaviour.md says.
        bot.clock.advance(to: TestConfig.at(10))
        #expect(try await bot.say("U0CAROL03", "/incident declare Checkout down --sev P2").incident == 2)
        let resolved = try await bot.say("U0CAROL03", "/incident resolve INC-2 rolled back")
        #expect(resolved.disposition == .handled, "\(resolved.reply?.plainText() ?? "")")
        bot.clock.advance(to: TestConfig.at(12))
        // INC-1 is past its ten minutes; INC-2 is resolved: it came back.
        #expect(try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2").incident == 3)
    }

    /// A repeat just past midnight is matched though its room name would carry the new day.
    @Test func aRepeatJustPastMidnightIsTheSameIncident() async throws {
        let bot = try TestBot(clock: ManualClock(start: Timestamp(iso8601: "2026-11-24T23:55:00Z")!))
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        bot.clock.advance(by: .minutes(7))
        let again = try await bot.say("U0BOB0002", "/incident declare Checkout down --sev P2")
        #expect(again.incident == 1 && again.reply?.plainText().contains("nothing new was declared") == true)
        bot.clock.advance(by: .minutes(4))
        #expect(try await bot.say("U0BOB0002", "/incident declare Checkout down --sev P2").incident == 2)
    }

    /// A private incident is never matched: the match would tell a stranger it exists.
    @Test func aPrivateIncidentIsNotMatched() async throws {
        let bot = try TestBot()
        try await bot.say("U0CAROL03", "/incident declare Customer records exposed --sev P1")
        let hidden = try await bot.say("U0CAROL03", "/incident private INC-1")
        #expect(hidden.disposition == .handled, "\(hidden.reply?.plainText() ?? "")")
        let again = try await bot.say("U0BOB0002", "/incident declare Customer records exposed --sev P1")
        #expect(again.incident == 2 && again.disposition == .handled)
    }

    /// A `--private` declaration of an open public incident's title is that incident: a second
    /// one paged the on-call again for one outage, and its room hid nothing the first room's
    /// name did not tell. The answer says how to make the one there private, and who may.
    @Test func aPrivateDeclarationOfAPublicIncidentsTitleIsThatIncident() async throws {
        let bot = try TestBot()
        try await bot.say("U0BOB0002", "/incident declare Customer records exposed --sev P1 --ic @bob")
        try await bot.settle()
        let pagesBefore = bot.pages
        let byCarol = try await bot.say("U0CAROL03", "/incident declare Customer records exposed --sev P1 --private")
        #expect(byCarol.incident == 1 && byCarol.disposition == .handled)
        let told = byCarol.reply?.plainText() ?? ""
        #expect(told.contains("nothing new was declared") && told.contains("It is not private")
                && told.contains("Whoever leads it can make it private: /incident private INC-1."), "\(told)")
        let byBob = try await bot.say("U0BOB0002", "/incident declare customer records exposed --private")
        #expect(byBob.incident == 1 && byBob.reply?.plainText().contains("To make it private, /incident private INC-1.") == true,
                "\(byBob.reply?.plainText() ?? "")")
        try await bot.settle()
        #expect(try await bot.store.read { try $0.incident(2) } == nil)
        #expect(bot.pages == pagesBefore)
        #expect(try await bot.store.read { try $0.incident(1)?.incident.isPrivate } == false)
        // A public declaration of a private one's title is still another incident.
        try await bot.say("U0BOB0002", "/incident private INC-1")
        #expect(try await bot.say("U0CAROL03", "/incident declare Customer records exposed --sev P1").incident == 2)
    }

    /// An account off the roster that typed the title first does not keep the declarer's place
    /// over the responders' incident: the first on the roster to declare it again stands in for
    /// it, and once an IC is named the account cannot lower or resolve it. It could: the rules
    /// trust the declarer once an IC is named, and the responders' declaration had gone to it.
    @Test func someoneOnTheRosterStandsInForADeclarerOffIt() async throws {
        let bot = try TestBot()
        let room = "incident-20261124-payment-api-errors"
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        let again = try await bot.say("U0CAROL03", "/incident declare payment api errors --sev P1")
        #expect(again.incident == 1)
        #expect(again.reply?.plainText().contains("You stand in for its declarer from now on: @") == true,
                "\(again.reply?.plainText() ?? "")")
        // A second one on the roster changes nothing: the place is taken.
        try await bot.say("U0BOB0002", "/incident declare Payment API errors --sev P1")
        #expect(try await bot.store.read { try $0.incident(1)?.incident.declarerStandIn } == PersonID("carol"))
        try await bot.say("U0CAROL03", "/ic @carol", in: room)
        for command in ["/sev P3 it is fine", "/ic <@U0REPORTER>", "/incident resolve", "/incident snooze 1h"] {
            let refused = try await bot.say("U0REPORTER", command, in: room)
            #expect(refused.disposition == .refused, "\(command): \(refused.reply?.plainText() ?? "")")
        }
        let stored = try #require(try await bot.store.read { try $0.incident(1)?.incident })
        #expect(stored.severity == .p1 && stored.phase == .investigating && stored.commander == PersonID("carol"))
        // The record still says who declared it; the stand-in is written in format 5 and read
        // back from it by a store opened afresh (the one in use keeps incidents decoded).
        #expect(stored.declaredBy != PersonID("carol") && stored.actingDeclarer == PersonID("carol"))
        let format = try await bot.sqlite.writer.read { db in try Int.fetchOne(db, sql: "SELECT format FROM incident WHERE number = 1") }
        #expect(format == 5)
        let reopened = try SQLiteStore(writer: bot.sqlite.writer)
        #expect(try await reopened.read { try $0.incident(1)?.incident.declarerStandIn } == PersonID("carol"))
        #expect(try await bot.store.read { try $0.timeline(incident: 1) }.contains { $0.text.contains("stands in for its declarer") })
    }

    /// Two open incidents with one title (a P1, then a P0 declared minutes later): a repeat is
    /// the one it was typed in the room of, else the most severe, not the first by room name,
    /// which sent a responder to the quiet P1 and told them to raise it to P0.
    @Test func ofSeveralWithTheTitleTheRepeatIsTheOneBeingWorked() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare DB down --sev P1")
        bot.clock.advance(to: TestConfig.at(2))
        #expect(try await bot.say("U0BOB0002", "/incident declare DB down --sev P0").incident == 2)
        bot.clock.advance(to: TestConfig.at(4))
        let lobby = try await bot.say("U0CAROL03", "/incident declare DB down")
        #expect(lobby.incident == 2, "\(lobby.reply?.plainText() ?? "")")
        #expect(lobby.reply?.plainText().contains("INC-2 DB down (P0) was declared 2m ago") == true
                && lobby.reply?.plainText().contains("/sev") == false, "\(lobby.reply?.plainText() ?? "")")
        let inP1Room = try await bot.say("U0CAROL03", "/incident declare DB down", in: "incident-20261124-db-down")
        #expect(inP1Room.incident == 1, "\(inP1Room.reply?.plainText() ?? "")")
        let inP0Room = try await bot.say("U0CAROL03", "/incident declare DB down", in: "incident-20261124-db-down-2")
        #expect(inP0Room.incident == 2, "\(inP0Room.reply?.plainText() ?? "")")
        #expect(try await bot.store.read { try $0.incident(3) } == nil)
    }
}
