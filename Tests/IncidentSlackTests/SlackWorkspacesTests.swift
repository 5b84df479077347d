import IncidentCore
import IncidentEngine
import IncidentPolicy
@testable import IncidentSlack
import IncidentTesting
import IncidentWire
import Logging
import SlackFake
import Testing

/// Which workspaces the bot serves when `slack.allowed_teams` is empty: its own, as Slack's
/// `auth.test` names it.
@Suite struct SlackWorkspacesTests {
    static let organisation = "E0ORG0001"

    /// A workspace's own install inside an Enterprise Grid organisation serves that workspace:
    /// a sibling workspace where the app is installed too is refused. Installed on the whole
    /// organisation, the bot serves all of it.
    @Test(arguments: [false, true])
    func aWorkspaceInAnOrganisationServesItselfUnlessInstalledOnTheOrganisation(orgWide: Bool) async throws {
        let fake = FakeSlack(users: [], enterprise: Self.organisation, orgWide: orgWide)
        try await fake.start()
        defer { Task { await fake.stop() } }
        var logger = Logger(label: "workspaces-test")
        logger.logLevel = .critical
        let workspaces = SlackWorkspaces(allowed: [], api: nil, logger: logger, now: { TestConfig.start })
        let served = try #require(await workspaces.ask(SlackWebAPI(baseURL: fake.apiURL, token: Secret(FakeSlack.botToken))))

        #expect(SlackOrigin(team: FakeSlack.teamID, enterprise: Self.organisation).isServed(by: served))
        #expect(SlackOrigin(team: "T0SIBLING", enterprise: Self.organisation).isServed(by: served) == orgWide)
        #expect(!SlackOrigin(team: "T0ELSEWHERE", enterprise: "E0OTHER01").isServed(by: served))
        // A button pressed in the workspace: Slack names the presser's team by the
        // organisation's id. The on-call's Acknowledge was dropped without a word.
        func press(userTeam: String) -> SlackOrigin {
            SlackRequest.buttonOrigin(["team": ["id": .string(FakeSlack.teamID), "enterprise_id": .string(Self.organisation)],
                                       "enterprise": ["id": .string(Self.organisation)], "user": ["id": "U0ALICE01", "team_id": .string(userTeam)]])
        }
        #expect(press(userTeam: Self.organisation).isServed(by: served))
        #expect(press(userTeam: FakeSlack.teamID).isServed(by: served))
        // A Slack Connect user of another organisation or workspace is still not served.
        #expect(!press(userTeam: "E0OTHER01").isServed(by: served))
        #expect(!press(userTeam: "T0ELSEWHERE").isServed(by: served))
        // A mention in a channel shared across the organisation names the poster's team so
        // too (`user_team`): the on-call's `@incident-bot ack` was dropped the same way.
        #expect(SlackOrigin(team: FakeSlack.teamID, enterprise: Self.organisation, userTeam: Self.organisation).isServed(by: served))
        #expect(!SlackOrigin(team: FakeSlack.teamID, enterprise: Self.organisation, userTeam: "E0OTHER01").isServed(by: served))
    }

    /// In a Slack Connect channel a vendor owns, Slack names the vendor at the top level of
    /// an event, and the workspace it was delivered for in `authorizations`: the on-call's
    /// `@incident-bot ack` there was refused as the vendor's. The author is judged by their
    /// own team; the vendor's people, however Slack names their team, are still refused.
    @Test func aMentionInAChannelAnotherOrganisationOwnsIsJudgedByItsAuthorsTeam() {
        let served: Set<String> = [FakeSlack.teamID]
        let vendor: JSONValue = ["team_id": "T0VENDOR", "enterprise_id": "E0VENDOR1"]
        let installation: JSONValue = ["team_id": .string(FakeSlack.teamID), "enterprise_id": .null, "user_id": "UINCBOT01", "is_bot": true]
        func mention(userTeam: String?, authorization: JSONValue? = installation) -> SlackOrigin {
            var event: [String: JSONValue] = ["type": "app_mention", "user": "U0ALICE01"]
            if let userTeam { event["user_team"] = .string(userTeam) }
            return SlackRequest.eventOrigin(vendor, event: .object(event), authorization: authorization)
        }
        #expect(mention(userTeam: FakeSlack.teamID).isServed(by: served))
        #expect(!mention(userTeam: "T0VENDOR").isServed(by: served))
        #expect(!mention(userTeam: "E0VENDOR1").isServed(by: served))
        #expect(!mention(userTeam: nil).isServed(by: served))
        // Without an authorization (an older wrapper) the top level is the workspace, as before.
        #expect(!mention(userTeam: FakeSlack.teamID, authorization: nil).isServed(by: served))
        // In the bot's own channel, nothing changes.
        let own = SlackRequest.eventOrigin(["team_id": .string(FakeSlack.teamID)], event: ["user_team": .string(FakeSlack.teamID)],
                                           authorization: installation)
        #expect(own.isServed(by: served))
        // Installed on a whole organisation (an authorization with no team): the vendor's
        // people are still refused, and the organisation's own channels are as before.
        let organisation: JSONValue = ["team_id": .null, "enterprise_id": .string(Self.organisation), "user_id": "UINCBOT01", "is_bot": true]
        for vendorTeam in ["T0VENDOR", "E0VENDOR1", nil] {
            #expect(!mention(userTeam: vendorTeam, authorization: organisation).isServed(by: [Self.organisation]), "\(vendorTeam ?? "none")")
        }
        let ownChannel = SlackRequest.eventOrigin(["team_id": "T0TEAM001", "enterprise_id": .string(Self.organisation)],
                                                  event: ["user_team": "T0TEAM001"], authorization: organisation)
        #expect(ownChannel.isServed(by: [Self.organisation]))
        // A sibling workspace's channel shared into the installed one, its author named by the
        // organisation's id only: judged as the sibling's, not served by a workspace install.
        let sibling = SlackRequest.eventOrigin(["team_id": "T0SIBLING", "enterprise_id": .string(Self.organisation)],
                                               event: ["user_team": .string(Self.organisation)],
                                               authorization: ["team_id": .string(FakeSlack.teamID), "enterprise_id": .string(Self.organisation)])
        #expect(!sibling.isServed(by: served))
    }

    /// The workspaces `allowed` (none: the bot's own), asked of `fake`, the bot's own account
    /// learned into `own`.
    static func workspaces(_ allowed: [String], of fake: FakeSlack, learning own: OwnAccounts,
                           now: @escaping @Sendable () -> Timestamp) -> SlackWorkspaces {
        var logger = Logger(label: "workspaces-test")
        logger.logLevel = .critical
        return SlackWorkspaces(allowed: Set(allowed), api: SlackWebAPI(baseURL: fake.apiURL, token: Secret(FakeSlack.botToken)),
                               logger: logger, ownAccounts: own, now: now)
    }

    /// The bot's own user id is learned from `auth.test`, also when the workspaces are
    /// configured and `served` never asks, so nobody names the bot IC.
    @Test(arguments: [[String](), ["T0TEAM001"]])
    func theBotsOwnUserIsLearned(allowed: [String]) async throws {
        let fake = FakeSlack(users: [])
        try await fake.start()
        defer { Task { await fake.stop() } }
        let own = OwnAccounts()
        let workspaces = Self.workspaces(allowed, of: fake, learning: own) { TestConfig.start }
        await workspaces.askAtStart()
        #expect(own.contains(.unlisted(.slack, FakeSlack.botUserID)))
    }

    /// Slack down as the bot starts with `allowed_teams` set: the first request after the
    /// outage asks again and waits for the answer, so the command it carries is checked against
    /// the bot's own account (it was decided before a background answer came, for a minute).
    @Test func aFailedAskAtStartIsAskedAgainByTheNextRequest() async throws {
        let fake = FakeSlack(users: [])
        try await fake.start()
        defer { Task { await fake.stop() } }
        let own = OwnAccounts()
        let clock = ManualClock(start: TestConfig.start)
        let workspaces = Self.workspaces(["T0TEAM001"], of: fake, learning: own) { clock.now }
        fake.inject(.outage)
        await workspaces.askAtStart()
        #expect(!own.knows(.slack))
        fake.endOutage()
        _ = await workspaces.served()
        #expect(!own.knows(.slack), "asked again before askAgainAfter")
        clock.advance(to: clock.now + SlackWorkspaces.askAgainAfter)
        _ = await workspaces.served()
        // Asked again; the request waits a second at most for the answer, which comes anyway
        // (on a loaded machine, after that second).
        try await waitFor { own.contains(.unlisted(.slack, FakeSlack.botUserID)) }
    }
}
