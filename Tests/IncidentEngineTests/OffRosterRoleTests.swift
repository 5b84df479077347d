import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// Someone off the roster named to a role is named by their account too: clients show a
/// mention by its display name, which its owner picks. On Matrix a stranger who took bob's
/// name was made IC by a mistaken completion, and the room read "Bob Lindqvist is now the
/// incident commander".
@Suite struct OffRosterRoleTests {
    @Test func anICOffTheRosterIsNamedByTheirAccount() async throws {
        let bot = try TestBot()
        try await bot.say("U0BOB0002", "/incident declare Checkout is down --sev P1")
        try await bot.say("U0BOB0002", "/ic INC-1 <@U0MALLORY>")
        try await bot.settle()
        let room = "slack-room-incident-20261124-checkout-is-down"
        let posts = bot.slack.posts(in: room)
        #expect(posts.contains { $0.contains("is now the incident commander") && $0.contains("⚠️ Not on the roster: the account is @U0MALLORY.") },
                "\(posts)")
        // Someone on the roster is named as ever.
        try await bot.say("U0BOB0002", "/ic INC-1 <@U0CAROL03>")
        try await bot.settle()
        let carol = bot.slack.posts(in: room).filter { $0.contains("is now the incident commander") }.last ?? ""
        #expect(!carol.contains("Not on the roster"), "\(carol)")
    }

    /// Named with the declaration (`--ic`), which also acknowledges the page: the kickoff names
    /// the account too. Only `/ic` and `/role` did.
    @Test func anICOffTheRosterNamedAtDeclarationIsNamedByTheirAccount() async throws {
        let bot = try TestBot()
        try await bot.say("U0ALICE01", "/incident declare Checkout is down --sev P1 --ic <@U0MALLORY>")
        try await bot.settle()
        let kickoff = bot.slack.posts(in: "slack-room-incident-20261124-checkout-is-down").first { $0.contains("Incident commander:") } ?? ""
        #expect(kickoff.contains("⚠️ Not on the roster: the account is @U0MALLORY."), "\(kickoff)")
    }
}
