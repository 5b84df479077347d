import IncidentSlack
import IncidentTesting
import SlackFake
import Testing

/// A Slack user id does not say which workspace its account is in: before a command naming
/// someone off the roster is decided, Slack (`users.info`) is asked, and nobody is named IC
/// or given a role before Slack has said they are of this workspace.
@Suite struct SlackNamedAccountTests {
    static let unanswered = "Slack has not said yet which workspace"

    /// `line` typed by alice in `room` until Slack has answered for the account it names: as a
    /// responder types it again a moment after being told Slack has not said yet. A loaded test
    /// run may take Slack's answer past the half second a command waits for it.
    func slashOnceSlackAnswered(_ bot: SlackHarness, _ line: String, in room: String) async throws -> SlackHarness.Answer {
        for _ in 0..<50 {
            let answer = try await bot.slash("alice", line, in: room)
            if !answer.text.contains(Self.unanswered) { return answer }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestTools.Failure("Slack's answer about the account in \(line) never counted")
    }

    func declared(_ bot: SlackHarness) async throws -> String {
        try await bot.learnsItsWorkspace()
        _ = try await bot.slash("erin", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        return try #require(bot.fake.channel(named: SlackScenarioTests.room)).id
    }

    /// In a channel shared with another organisation, an autocompleted mention names an
    /// account of theirs IC: Slack (`users.info`) says its team, and the naming is refused,
    /// so the engineering ladder climbs on and the responders keep their incident. Named, it
    /// counted as the acknowledgement and left nobody who could act as IC.
    @Test func anAccountOfAnotherWorkspaceIsNotNamedIC() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.addExternalUser("U0EXT0001", team: "T0OTHER01")
        let room = try await declared(bot)
        let named = try await slashOnceSlackAnswered(bot, "/ic <@U0EXT0001|ext>", in: room)
        #expect(named.text.contains("another Slack workspace"), "\(named.text)")
        #expect(bot.fake.calls.contains { $0.method == "users.info" && $0.arguments["user"] == "U0EXT0001" })
        // Someone of this workspace off the roster may still be named, as before.
        let member = try await slashOnceSlackAnswered(bot, "/ic <@U0OUTSIDER>", in: room)
        #expect(member.text.contains("is now the incident commander"), "\(member.text)")
        #expect(!bot.fake.calls.contains { $0.method == "users.info" && $0.arguments["user"] == "U0ALICE01" })
    }

    /// Slack's `users.info` answering after the half second a command waits for it: the
    /// account is not named IC meanwhile, whichever workspace it turns out to be in. Taken as
    /// served, as before, an account of another organisation became IC whenever Slack was
    /// slow; the answer that comes late counts for the command typed again.
    @Test func anAccountSlackHasNotAnsweredForIsNotNamedIC() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.addExternalUser("U0EXT0001", team: "T0OTHER01")
        let room = try await declared(bot)

        bot.fake.inject(.holdAnswer(method: "users.info"))
        let held = try await bot.slash("alice", "/ic <@U0EXT0001|ext>", in: room)
        #expect(held.status == 200 && held.text.contains(Self.unanswered), "\(held.text)")
        #expect(bot.fake.heldAnswers == 1)
        // A note that mentions the account is no naming: it goes on.
        let note = try await bot.slash("alice", "/note <@U0EXT0001> sees the errors too", in: room)
        #expect(note.text.contains("Noted"), "\(note.text)")
        bot.fake.releaseHeldAnswers()
        let again = try await slashOnceSlackAnswered(bot, "/ic <@U0EXT0001|ext>", in: room)
        #expect(again.text.contains("another Slack workspace"), "\(again.text)")

        // One of this workspace is named once Slack has said so.
        bot.fake.inject(.holdAnswer(method: "users.info"))
        let member = try await bot.slash("alice", "/ic <@U0OUTSIDER>", in: room)
        #expect(member.text.contains(Self.unanswered), "\(member.text)")
        bot.fake.releaseHeldAnswers()
        let named = try await slashOnceSlackAnswered(bot, "/ic <@U0OUTSIDER>", in: room)
        #expect(named.text.contains("is now the incident commander"), "\(named.text)")
    }
}
