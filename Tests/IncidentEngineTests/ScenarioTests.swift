import IncidentCore
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Testing

/// behaviour.md sections 4 and 5 through the engine, the real SQLite store and delivery, minute by
/// minute on a manual clock. The declarer is a Slack user outside the ladders.
@Suite struct ScenarioTests {
    static let room = "slack-room-incident-20261124-payment-api-errors"

    /// What the P1 of behaviour.md section 5 pages when nobody answers, per the rules' own timeline tests.
    static let p1Pages = ["0 alice", "0 erin", "30 bob", "60 carol", "60 frank", "90 carol", "90 grace", "120 carol"]

    @Test func p1NobodyAnswersPagesAndNudgesOnTheMinuteOnceEach() async throws {
        let bot = try TestBot()
        let outcome = try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        #expect(outcome.disposition == .handled)
        #expect(outcome.incident == 1)
        try await bot.run(toMinute: 120)
        #expect(bot.pages == Self.p1Pages)
        #expect(bot.nudges(in: Self.room) == [30, 60, 90, 120])
        // Bob prefers Matrix, Frank has only Matrix: their pages went there.
        #expect(bot.matrix.directMessages.map(\.person) == ["bob", "frank"])
    }

    @Test func declarationCreatesTheRoomThenFillsItInOrder() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.settle()
        let roomJobs = bot.slack.delivered.map(\.job.action).filter { action in
            switch action {
            case .createRoom, .invite, .setTopic: true
            case .post(let room, _): room == Self.room
            default: false
            }
        }
        guard case .createRoom(let name, let topic, let invite, _) = roomJobs.first else {
            Issue.record("the first room job is not createRoom: \(roomJobs)")
            return
        }
        #expect(name == "incident-20261124-payment-api-errors")
        #expect(invite == ["erin", "carol"])
        #expect(topic.plainText() == "SEV P1 | IC @carol | status: investigating | next update 10:30 UTC | call: https://meet.example.com/incident-1")
        #expect(bot.slack.posts(in: Self.room).first?.hasPrefix("🚨 INC-1") == true)
        #expect(bot.slack.posts(in: TestBot.broadcast[.slack]!).count == 1)
    }

    @Test func raisedToP0PagesTheVPEngineeringAtOnce() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 20)
        try await bot.say("U0CAROL03", "/sev P0 all regions down", in: Self.room)
        try await bot.settle()
        #expect(bot.pages.contains("20 dave"))
        // The on-call has waited 20 minutes, more than a P0 gives: the team lead is paged too.
        #expect(bot.pages.filter { $0.hasPrefix("20 ") } == ["20 bob", "20 dave"])
    }

    @Test func acknowledgedUpdatedAndResolvedIncidentGoesQuiet() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 5)
        #expect(try await bot.say("U0ALICE01", "/ack", in: Self.room).disposition == .handled)
        try await bot.run(toMinute: 20)
        try await bot.say("U0ALICE01", "/update rolled back status: recovering", in: Self.room)
        try await bot.run(toMinute: 40)
        try await bot.say("U0ALICE01", "/incident resolve rollback fixed it", in: Self.room)
        try await bot.run(toMinute: 600)
        #expect(bot.pages == ["0 alice", "0 erin"])
        #expect(bot.nudges(in: Self.room).isEmpty)
        let stored = try await bot.store.read { try $0.incident(1) }
        #expect(stored?.incident.phase == .resolved)
    }
}
