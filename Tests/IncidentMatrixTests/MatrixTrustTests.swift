import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentSQLite
import IncidentTesting
import MatrixSynapse
import Testing

/// Who the bot takes commands from on a real Synapse (docs/behaviour.md, "Who may do what").
@Suite(.serialized) struct MatrixTrustTests {
    /// The bot serves only the roster's people here; the reporter's commands change nothing,
    /// and they are told why.
    @Test func commandsFromAccountsNotAllowedAreRefusedWithOneLine() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(),
                                                allowCommandsFrom: MatrixHarness.people)
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Payment API errors --sev P1", in: lobby)
        let refusal = try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "takes commands only from")
        #expect(refusal["content"]?["body"]?.string?.contains(bot.mxid("reporter")) == true)
        #expect(try await bot.current.store.read { try $0.incident(1) } == nil)

        // A served account is heard.
        let alice = try bot.user("alice")
        let aliceLobby = try await bot.lobby(of: "alice")
        try await alice.say("!incident declare Payment API errors --sev P1", in: aliceLobby)
        try await alice.waitForNotice(in: aliceLobby, from: bot.bot.user, containing: "INC-1")
    }

    /// The bot pages a roster person by Matrix and asks them to answer there: their own account
    /// is served though the allow list leaves it out (it used to refuse the `!ack` it asked
    /// for, and the page climbed). Anyone else still is not.
    @Test func aRosterPersonIsHeardThoughTheAllowListLeavesThemOut() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(), allowCommandsFrom: ["alice"])
        defer { Task { await bot.stopBot() } }
        let bob = try bot.user("bob")
        let bobLobby = try await bot.lobby(of: "bob")
        try await bob.say("!incident declare Payment API errors --sev P1", in: bobLobby)
        try await bob.waitForNotice(in: bobLobby, from: bot.bot.user, containing: "INC-1")
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Checkout errors --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "takes commands only from")
        #expect(try await bot.current.store.read { try $0.incident(2) } == nil)
    }

    /// An invitation whose sync position was kept while its join had not happened (the join
    /// going on in the background as the process stopped) is answered at the next start: an
    /// incremental sync never brings it again.
    @Test func anInvitationPastTheKeptSyncPositionIsAnsweredAtTheNextStart() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let alice = try bot.user("alice")
        _ = try await bot.lobby(of: "alice")
        await bot.stopBot()
        let room = try await alice.createRoom(inviting: [bot.bot.user], name: "team room")
        // The batch that carried the invitation is committed, its join not done.
        let store = try SQLiteStore(path: bot.databasePath)
        let kept = try #require(try await store.read { try $0.syncToken(.matrix) })
        let batch = try await bot.bot.call(.GET, "sync", query: ["since": kept, "timeout": "0"])
        #expect(batch["rooms"]?["invite"]?[room] != nil, "\(batch)")
        let next = try #require(batch["next_batch"]?.string)
        try await store.write { try $0.setSyncToken(.matrix, next) }
        try await bot.startBot()
        try await bot.waitUntil("the bot joins the room it was invited to before the restart") {
            let members = try await bot.bot.call(.GET, "rooms/\(MatrixClient.segment(room))/joined_members")
            return members["joined"]?[bot.bot.user] != nil
        }
        try await alice.say("!incident declare Invitation kept across restart --sev P2", in: room)
        _ = try await alice.waitForNotice(in: room, from: bot.bot.user, containing: "INC-1")
    }

    /// A room the bot joins comes with the history before it (the homeserver sends a newly
    /// joined room's recent messages whatever the sync position): a declaration typed there
    /// before the bot was invited was not said to it, and declares nothing.
    @Test func commandsTypedBeforeTheBotJoinedAreNotRun() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let alice = try bot.user("alice")
        // The bot has synced and joined a room: it has a sync position.
        _ = try await bot.lobby(of: "alice")
        let room = try await alice.createRoom(inviting: [], name: "old war room")
        try await alice.say("!incident declare Old outage from last month --sev P1", in: room)
        try await alice.call(.POST, "rooms/\(MatrixClient.segment(room))/invite", body: ["user_id": .string(bot.bot.user)])
        try await bot.waitUntil("the bot joins the old room") {
            let members = try await bot.bot.call(.GET, "rooms/\(MatrixClient.segment(room))/joined_members")
            return members["joined"]?[bot.bot.user] != nil
        }
        try await alice.say("!incident declare Checkout errors now --sev P2", in: room)
        let notice = try await alice.waitForNotice(in: room, from: bot.bot.user, containing: "INC-1")
        #expect(notice["content"]?["body"]?.string?.contains("checkout-errors-now") == true, "\(notice)")
        #expect(try await bot.current.store.read { try $0.incident(1) }?.incident.title == "Checkout errors now")
        #expect(try await bot.current.store.read { try $0.incident(2) } == nil)
    }
}
