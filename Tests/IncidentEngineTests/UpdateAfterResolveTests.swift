import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// An update typed while someone else resolved the incident is posted, and its author is told
/// the incident stays resolved: its status did not take (docs/behaviour.md, "Status-update cadence").
@Suite struct UpdateAfterResolveTests {
    @Test func anUpdateAfterTheResolveSaysTheIncidentStaysResolved() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        bot.clock.advance(to: TestConfig.at(2))
        let resolved = try await bot.say("U0CAROL03", "/incident resolve INC-1 fixed the index")
        #expect(resolved.disposition == .handled, "\(resolved.reply?.plainText() ?? "")")
        let late = try await bot.say("U0BOB0002", "/update INC-1 error rate falling status: monitoring")
        let text = late.reply?.plainText() ?? ""
        #expect(late.disposition == .handled && text.contains("Update posted"), "\(text)")
        #expect(text.contains("INC-1 was resolved at 10:02 UTC and stays resolved: the status “monitoring” is on its record only.")
                && text.contains("declare it again: /incident declare"), "\(text)")
        #expect(try await bot.store.read { try $0.incident(1)?.incident.phase } == .resolved)

        // Before the resolve, an update says nothing of the kind.
        try await bot.say("U0REPORTER", "/incident declare Checkout down --sev P2")
        let early = try await bot.say("U0BOB0002", "/update INC-2 looking status: monitoring").reply?.plainText() ?? ""
        #expect(!early.contains("stays resolved"), "\(early)")
    }
}
