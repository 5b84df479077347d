import Foundation
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentTesting
import MatrixSynapse
import SlackFake
import Testing

/// `mirror: true` with both platforms: the real Matrix transport on a real Synapse and the
/// real Slack transport on the fake Web API. Slack commands are handed to the engine as the
/// Slack gateway hands them (its signing and parsing have their own tests).
@Suite(.serialized) struct MatrixMirrorTests {
    static let slackUsers = ["U0ALICE01", "U0BOB0002", "U0CAROL03", "U0DAVE004", "U0ERIN005", "U0GRACE07"]

    func slashCommand(_ text: String, by user: String, in channel: String, id: String) -> ChatEvent {
        ChatEvent(platform: .slack, id: id, room: channel, user: user, text: text)
    }

    @Test func anIncidentDeclaredInSlackIsRunFromMatrixToo() async throws {
        let slack = FakeSlack(users: Self.slackUsers)
        try await slack.start()
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(), mirroringSlack: slack)
        defer { Task { await bot.stopBot(); await slack.stop() } }
        let name = "incident-20261124-mirrored-checkout-errors"

        let declared = try await bot.current.engine.handle(
            slashCommand("/incident declare Mirrored checkout errors --sev P1", by: "U0ALICE01", in: "C0LOBBY01", id: "slack-1"))
        #expect(declared.disposition == .handled)
        try await bot.settle()
        let channel = try #require(slack.channel(named: name), "no Slack channel")
        let room = try await bot.room(alias: name)
        #expect(slack.messages(in: channel.id).contains { $0.text.contains("Mirrored checkout errors") })

        // The declarer is in both rooms; a severity change typed in Matrix reaches Slack.
        let alice = try bot.user("alice")
        try await bot.waitUntil("alice is invited on Matrix") { try await alice.invitations().contains { $0.room == room } }
        try await alice.join(room)
        try await alice.waitForNotice(in: room, from: bot.bot.user, containing: "Mirrored checkout errors")
        try await alice.say("!sev P0 card declines spreading", in: room)
        try await alice.waitForNotice(in: room, from: bot.bot.user, containing: "P0")
        try await bot.waitUntil("Slack hears of P0") { slack.messages(in: channel.id).contains { $0.text.contains("P0") } }

        // A status update typed in Slack reaches the Matrix room.
        _ = try await bot.current.engine.handle(
            slashCommand("/update rolled back the deploy status: recovering", by: "U0CAROL03", in: channel.id, id: "slack-2"))
        try await alice.waitForNotice(in: room, from: bot.bot.user, containing: "rolled back the deploy")
        try await bot.waitUntil("Slack shows the update") {
            slack.messages(in: channel.id).contains { $0.text.contains("rolled back the deploy") }
        }

        // Resolved from Matrix: both rooms say so, each once.
        try await alice.say("!incident resolve card network timeout fixed", in: room)
        try await alice.waitForNotice(in: room, from: bot.bot.user, containing: "INC-1 is resolved")
        try await bot.settle()
        #expect(slack.messages(in: channel.id).filter { $0.text.contains("INC-1 is resolved") }.count == 1)
        let resolvedNotices = try await alice.notices(in: room, from: bot.bot.user).filter { $0.contains("INC-1 is resolved") }
        #expect(resolvedNotices.count == 1, "\(resolvedNotices)")
        #expect(slack.violations.isEmpty, "\(slack.violations)")
    }

    @Test func whileSlackIsDownPagesReachPeopleOnMatrixAndSlackCatchesUpAfter() async throws {
        let slack = FakeSlack(users: Self.slackUsers)
        try await slack.start()
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(), mirroringSlack: slack)
        defer { Task { await bot.stopBot(); await slack.stop() } }
        slack.inject(.outage)

        // Declared on Matrix while Slack answers 503: the on-call engineer (alice, who prefers
        // Slack) is paged; her page fails over to her Matrix id.
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Slack is down too --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        let alice = try bot.user("alice")
        let delivery = try bot.current.delivery
        try await bot.waitUntil("alice's page arrives on Matrix", seconds: 60) {
            bot.clock.advance(by: .seconds(5))
            delivery.wake.fire()
            return try await alice.directNotices(from: bot.bot.user).contains { $0.contains("INC-1") }
        }

        // Slack is back: its room is made and gets the kickoff; the page is not sent twice.
        slack.endOutage()
        let name = "incident-20261124-slack-is-down-too"
        try await bot.waitUntil("the Slack channel is made and told", seconds: 60) {
            bot.clock.advance(by: .seconds(5))
            delivery.wake.fire()
            guard let channel = slack.channel(named: name) else { return false }
            return slack.messages(in: channel.id).contains { $0.text.contains("Slack is down too") }
        }
        try await bot.waitForDelivery()
        #expect(slack.directMessages(to: "U0ALICE01").isEmpty)
        #expect(try await alice.directNotices(from: bot.bot.user).filter { $0.contains("INC-1") }.count == 1)
        #expect(slack.violations.isEmpty, "\(slack.violations)")
    }
}
