import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentTesting
import IncidentWire
import MatrixSynapse
import Testing

/// The bot against a homeserver that goes away, a rate limiter left on, and its own SIGKILL.
@Suite(.serialized) struct MatrixFaultTests {
    /// `/readyz`, asked until it answers `status` (for at most 10 s: the homeserver's last
    /// answer stands 2 s, shared by the probes that come meanwhile).
    static func readyz(_ port: Int, until status: Int) async throws -> (status: Int, body: String) {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/readyz")!)
            let answer = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
            guard answer.0 != status, ContinuousClock.now < deadline else { return answer }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func aHomeserverOutageDelaysMessagesAndLosesNone() async throws {
        let synapse = try await Synapse.start()
        let bot = try await MatrixHarness.start(on: synapse)
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Payment API errors --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.settle()
        // /readyz over HTTP, from an admin listener with serve's checks.
        let admin = try await bot.adminListener()
        defer { Task { await admin.stop() } }
        let ready = try await Self.readyz(admin.port, until: 200)
        #expect(ready.status == 200 && ready.body.contains("matrix: ok"), "while Synapse answers: \(ready.body)")

        // Synapse goes down; the team lead's page comes due at minute 30 and waits in the outbox.
        await synapse.stop()
        let down = try await Self.readyz(admin.port, until: 503)
        // The client's own retries may outlast the check's 4 s: either way it says why, in time.
        #expect(down.status == 503 && (down.body.contains("matrix: whoami failed") || down.body.contains("matrix: no answer within 4 s"))
                && down.body.contains("store: ok"), "with Synapse stopped: \(down.body)")
        bot.clock.advance(to: TestConfig.at(30))
        try await bot.current.engine.fireDue()
        try bot.current.delivery.wake.fire()
        try await bot.waitUntil("a delivery attempt failed", seconds: 40) {
            try await bot.current.store.read { try $0.pendingOutbox(limit: 10).contains { $0.attempts > 0 } }
        }
        // Its retry, due on the bot's clock, fails too, and the page still waits.
        bot.clock.advance(to: TestConfig.at(31))
        try bot.current.delivery.wake.fire()
        try await bot.waitUntil("the page was tried again", seconds: 40) {
            try await bot.current.store.read { try $0.pendingOutbox(limit: 10).contains { $0.isPage && $0.attempts >= 2 } }
        }
        #expect(try await bot.current.store.read { try $0.pendingOutbox(limit: 10).filter(\.isPage).count } == 1)

        // Back up: the page goes out once the retry is due, and the sync resumes from its token
        // when its backoff, on the bot's clock, runs out.
        try await synapse.start()
        let back = try await Self.readyz(admin.port, until: 200)
        #expect(back.status == 200 && back.body.contains("matrix: ok"), "once Synapse is back: \(back.body)")
        bot.clock.advance(to: TestConfig.at(35))
        try await bot.settle()
        let bob = try bot.user("bob")
        #expect(try await bob.directNotices(from: bot.bot.user).count == 1)
        try await reporter.say("!incident status INC-1", in: lobby)
        try await bot.waitUntil("the bot answers again", seconds: 60) {
            bot.clock.advance(by: .seconds(1))
            return try await reporter.notices(in: lobby, from: bot.bot.user).contains { $0.contains("investigating") }
        }
    }

    @Test func synapsesDefaultRateLimitsSlowABurstButLoseNothing() async throws {
        let synapse = try await Synapse.start(rateLimits: .synapseDefaults)
        let bot = try await MatrixHarness.start(on: synapse, people: ["alice", "erin"])
        defer { Task { await bot.stopBot() } }
        // The responder (alice, on the roster) is exempt (an admin override), so only the bot meets the limiter.
        let admin = try await synapse.register("admin.\(bot.tag)", admin: true)
        let reporter = try bot.user("alice")
        try await admin.synapseAdmin(.POST, "users/\(MatrixClient.segment(reporter.user))/override_ratelimit",
                                     body: ["messages_per_second": 0, "burst_count": 0])
        let lobby = try await bot.lobby(of: "alice")
        try await reporter.say("!incident declare Burst test --sev P3", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        let burst = 14
        for n in 1...burst { try await reporter.say("!note INC-1 burst note \(n)", in: lobby) }
        // Time passes for the bot too: a wait too long to sit out in the call goes back to the
        // outbox, whose retry is due on the bot's clock.
        let delivery = try bot.current.delivery
        try await bot.waitUntil("every note is answered", seconds: 180) {
            bot.clock.advance(by: .seconds(1))
            delivery.wake.fire()
            return try await reporter.notices(in: lobby, from: bot.bot.user).count >= burst + 1
        }
        try await bot.waitForDelivery(seconds: 60)
        let notices = try await reporter.notices(in: lobby, from: bot.bot.user)
        #expect(notices.count == burst + 1)
        let notes = try await bot.current.store.read { try $0.timeline(incident: 1).filter { $0.kind == .note }.count }
        #expect(notes == burst)
        #expect(try bot.client.rateLimitWaits > 0, "the burst never met Synapse's limiter")
    }

    @Test func aBotKilledMidBurstLosesNoCommandAndRepeatsNoMessage() async throws {
        let synapse = try await SharedSynapse.get()
        let people = try await MatrixPeople(synapse)
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        let admin = try TestTools.freePort()
        try """
        policy: \(TestConfig.directory.path)/policy.yaml
        roster: roster.yaml
        log_level: debug
        admin:
          listen: 127.0.0.1:\(admin)
        matrix:
          enabled: true
          homeserver: \(synapse.url)
          sync_timeout: 2s
        """.write(to: config, atomically: true, encoding: .utf8)
        try people.roster.write(to: folder.appendingPathComponent("roster.yaml"), atomically: true, encoding: .utf8)
        let database = folder.appendingPathComponent("bot.sqlite").path
        func serve() throws -> Process {
            let process = Process()
            process.executableURL = TestTools.botBinary
            process.arguments = ["serve", "--config", config.path, "--db", database]
            process.environment = ["MATRIX_ACCESS_TOKEN": people.bot.token, "PATH": "/usr/bin:/bin"]
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            return process
        }
        var process = try serve()
        defer { if process.isRunning { process.terminate() } }
        let reporter = people.responder
        let lobby = try await reporter.createRoom(inviting: [people.bot.user])
        try await reporter.say("!incident declare Killed mid burst --sev P3", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: people.bot.user, containing: "INC-1", seconds: 30)

        let burst = 20
        for n in 1...burst { try await reporter.say("!note INC-1 kill note \(n)", in: lobby) }
        // SIGKILL as soon as some of the answers are out: mid-batch, mid-delivery, or both.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await reporter.notices(in: lobby, from: people.bot.user).count < 4, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGKILL)
        try await TestTools.waitForExit(process)
        #expect(process.terminationReason == .uncaughtSignal)
        process = try serve()
        let all = ContinuousClock.now + .seconds(60)
        while try await reporter.notices(in: lobby, from: people.bot.user).count < burst + 1, ContinuousClock.now < all {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(3))
        let notices = try await reporter.notices(in: lobby, from: people.bot.user)
        #expect(notices.count == burst + 1, "\(notices)")
        // The restarted bot is ready: its store writes and Synapse accepts its token.
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(admin)/readyz")!)
        let ready = String(decoding: data, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 200 && ready.contains("matrix: ok"), "\(ready)")
        process.terminate()
        try await TestTools.waitForExit(process)
        let notes = try await DatabaseQueue(path: database).read { db in
            try String.fetchAll(db, sql: "SELECT text FROM timeline WHERE incident = 1 AND kind = 'note' ORDER BY id")
        }
        #expect(notes.count == burst)
        #expect(Set(notes).count == burst)
    }
}

/// The bot and a reporter on a homeserver, with a roster naming tagged accounts, for tests that
/// run the real binary.
struct MatrixPeople {
    let bot: MatrixTestUser
    /// carol, on the roster: notes she types in a lobby are taken (an unlisted account's
    /// would be refused outside the incident's room).
    let responder: MatrixTestUser
    let roster: String

    init(_ synapse: Synapse) async throws {
        let tag = "p\(UInt32.random(in: 0...UInt32.max))"
        bot = try await synapse.register("incident-bot.\(tag)")
        responder = try await synapse.register("carol.\(tag)")
        roster = try TestConfig.text("roster.example.yaml").replacingOccurrences(of: ":example.org\"", with: ".\(tag):localhost\"")
    }
}
