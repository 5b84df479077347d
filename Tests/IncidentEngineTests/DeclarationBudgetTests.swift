import IncidentCore
import IncidentEngine
import IncidentRules
import IncidentTesting
import Testing

/// A flood of declarations from accounts off the roster: each pages the on-call (a P0 the VP
/// too), and thirty P0s a minute from each of two strangers queued their pages ahead of a
/// real P0's, which reached the on-call 37 s late. One account off the roster declares three incidents an
/// hour, and all of them ten; the roster is never held back (docs/behaviour.md, "Declaring").
@Suite struct DeclarationBudgetTests {
    @Test func aStrangerDeclaresThreeAnHourAndTheRosterIsNeverHeldBack() async throws {
        let bot = try TestBot()
        for n in 1...3 {
            let declared = try await bot.say("U0MALLORY", "/incident declare Outage number \(n) --sev P0")
            #expect(declared.disposition == .handled && declared.incident == n)
        }
        try await bot.settle()
        let pagesBefore = bot.pages
        let fourth = try await bot.say("U0MALLORY", "/incident declare Outage number 4 --sev P0")
        #expect(fourth.disposition == .refused)
        #expect(fourth.reply?.plainText() == "You have declared 3 incidents in the last hour (INC-1, INC-2, INC-3), as many as someone "
                + "not on the roster may, so nothing was declared. Ask someone on the roster to declare it, or add what you see to one "
                + "of yours with /note.", "\(String(describing: fourth.reply?.plainText()))")
        try await bot.settle()
        #expect(try await bot.store.read { try $0.incident(4) } == nil)
        #expect(bot.pages == pagesBefore)

        // Their own title typed again is the incident declared again, not a refusal.
        let again = try await bot.say("U0MALLORY", "/incident declare Outage number 2 --sev P0")
        #expect(again.disposition == .handled && again.incident == 2, "\(String(describing: again.reply?.plainText()))")

        // The on-call declares as ever.
        let real = try await bot.say("U0ALICE01", "/incident declare Checkout down --sev P0")
        #expect(real.disposition == .handled && real.incident == 4)

        // An hour after their first, the stranger may declare again.
        bot.clock.advance(to: TestConfig.at(60))
        let later = try await bot.say("U0MALLORY", "/incident declare Outage number 5 --sev P1")
        #expect(later.disposition == .handled && later.incident == 5)
    }

    @Test func strangersTogetherDeclareTenAnHour() async throws {
        let bot = try TestBot()
        for n in 1...10 {
            let declared = try await bot.say("U0STRANGER\(n / 3)", "/incident declare Outage number \(n)")
            #expect(declared.disposition == .handled, "\(String(describing: declared.reply?.plainText()))")
        }
        let eleventh = try await bot.say("U0NEWCOMER", "/incident declare Outage number 11")
        #expect(eleventh.disposition == .refused)
        #expect(eleventh.reply?.plainText() == "People not on the roster have declared 10 incidents in the last hour, as many as the bot "
                + "takes from them, so nothing was declared. Ask someone on the roster to declare it.")
        let bob = try await bot.say("U0BOB0002", "/incident declare Search slow")
        #expect(bob.disposition == .handled && bob.incident == 11)
    }
}
