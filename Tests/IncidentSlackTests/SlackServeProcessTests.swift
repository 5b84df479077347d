import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IncidentWire
import IncidentSlack
import IncidentTesting
import SlackFake
import Testing

/// The real `incident-bot serve` binary against the fake Slack, on the wall clock: a signed
/// declaration becomes a channel, and SIGTERM stops it cleanly.
@Suite struct SlackServeProcessTests {
    static var binary: URL { TestTools.botBinary }

    /// Starts `incident-bot serve` with Slack on `fake` (the harness's config, a fresh
    /// database), the signing secret from a file; its log is on the returned pipe.
    static func serve(on fake: FakeSlack) throws -> (process: Process, log: Pipe) {
        let broadcast = fake.addChannel("incidents")
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try SlackHarness.config(broadcast: broadcast).write(to: config, atomically: true, encoding: .utf8)
        return try serve(on: fake, config: config, db: folder.appendingPathComponent("bot.sqlite").path)
    }

    /// `incident-bot serve` with `config` on the database `db` (a path or a PostgreSQL URL).
    static func serve(on fake: FakeSlack, config: URL, db: String) throws -> (process: Process, log: Pipe) {
        let secretFile = config.deletingLastPathComponent().appendingPathComponent("signing-secret")
        try (SlackHarness.secret + "\n").write(to: secretFile, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--config", config.path, "--db", db]
        process.environment = ["SLACK_BOT_TOKEN": FakeSlack.botToken, "SLACK_SIGNING_SECRET_FILE": secretFile.path,
                               "SLACK_API_URL": fake.apiURL, "PATH": "/usr/bin:/bin"]
        let log = Pipe()
        process.standardError = log
        process.standardOutput = Pipe()
        try process.run()
        return (process, log)
    }

    @Test func serveTakesASignedSlashCommandAndDeliversIt() async throws {
        let fake = FakeSlack(users: Array(SlackHarness.users.values))
        try await fake.start()
        defer { Task { await fake.stop() } }
        let (process, stderr) = try Self.serve(on: fake)
        defer { if process.isRunning { process.terminate() } }

        // The log says where it listens; read it until the port shows.
        let port = try #require(await Self.port(from: stderr.fileHandleForReading))
        let answer = try await Self.slash(port: port, "declare Checkout is slow --sev P2", user: "U0ALICE01")
        #expect(answer.status == 200)
        #expect(answer.body.contains("INC-1"), "\(answer.body)")

        try await waitFor { fake.channel(named: "incident-20261125-checkout-is-slow") != nil || fake.channels.count > 1 }
        #expect(fake.channels.contains { $0.name.hasSuffix("-checkout-is-slow") }, "\(fake.calls)")
        try await waitFor { fake.posted.count >= 2 }
        #expect(fake.violations.isEmpty)

        // SIGHUP (an operator's reload) and SIGUSR1 are logged and ignored: each ended the bot at
        // once, with no word, and systemd took the SIGHUP for a clean stop and left it down.
        kill(process.processIdentifier, SIGHUP)
        kill(process.processIdentifier, SIGUSR1)
        let after = try await Self.slash(port: port, "list", user: "U0ALICE01")
        #expect(after.status == 200 && process.isRunning, "\(after.body)")

        process.terminate()
        try await TestTools.waitForExit(process)
        #expect(process.terminationStatus == 0)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!log.contains(SlackHarness.secret) && !log.contains(FakeSlack.botToken), "a secret was logged")
        #expect(log.contains("signal ignored") && log.contains("SIGHUP"), "\(log)")

        // The stop leaves the database file whole on its own, its WAL folded in and emptied: a
        // copy of the file alone lacked the declarations the stop had answered.
        let arguments = process.arguments ?? []
        let db = try #require(arguments.last), config = try #require(arguments.firstIndex(of: "--config").map { arguments[$0 + 1] })
        let wal = try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int
        #expect(wal == nil || wal == 0, "\(wal ?? -1) bytes left in the WAL")
        let copy = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        let export = Process()
        export.executableURL = Self.binary
        export.arguments = ["export", "INC-1", "--config", config, "--db", copy]
        let exported = Pipe()
        export.standardOutput = exported
        export.standardError = Pipe()
        try export.run()
        let text = String(decoding: exported.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try await TestTools.waitForExit(export)
        #expect(export.terminationStatus == 0 && text.contains("Checkout is slow"), "\(text)")
    }

    /// The admin port taken by another process (9090 is also Prometheus's default): `serve`
    /// stops with one line naming the setting, not a framework's error about a socket.
    @Test func aPortInUseStopsServeWithOneLineNamingTheSetting() async throws {
        let fake = FakeSlack(users: Array(SlackHarness.users.values))
        try await fake.start()
        defer { Task { await fake.stop() } }
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try SlackHarness.config(broadcast: fake.addChannel("incidents"))
            .replacingOccurrences(of: "admin:\n  listen: 127.0.0.1:0", with: "admin:\n  listen: 127.0.0.1:\(fake.port)")
            .write(to: config, atomically: true, encoding: .utf8)
        let (process, stderr) = try Self.serve(on: fake, config: config, db: folder.appendingPathComponent("bot.sqlite").path)
        defer { if process.isRunning { process.terminate() } }
        try await TestTools.waitForExit(process)
        #expect(process.terminationStatus == 1)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let last = log.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("incident-bot: the listener on admin.listen 127.0.0.1:\(fake.port) stopped: "), "\(log)")
        #expect(last.hasSuffix("stopped: the port is in use (another process listens on it): address already in use"), "\(log)")
        // The scheduler and delivery cut off as it stops are no database failure: those lines
        // are what operators alert on.
        #expect(!log.contains("scheduler round failed") && !log.contains("cannot read the outbox")
                && !log.contains("cannot check open incidents"), "\(log)")
    }

    /// Until Slack names the bot's workspace (`auth.test`), the endpoint takes requests from
    /// any: the bot asks as it starts, so that window closes before a command arrives, not at
    /// the first one.
    @Test func serveAsksWhichWorkspaceItServesBeforeAnyRequest() async throws {
        let fake = FakeSlack(users: Array(SlackHarness.users.values))
        try await fake.start()
        defer { Task { await fake.stop() } }
        let (process, stderr) = try Self.serve(on: fake)
        defer { if process.isRunning { process.terminate() } }
        _ = try #require(await Self.port(from: stderr.fileHandleForReading))

        try await waitFor(seconds: 20) { fake.calls.contains { $0.method == "auth.test" && $0.error == nil } }
        process.terminate()
        try await TestTools.waitForExit(process)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("Slack workspace served"), "\(log)")
    }

    /// A slash command to the bot on `port`, signed by Slack's own SDK as Slack would send it.
    static func slash(port: Int, _ text: String, command: String = "/incident", user: String = "U0CAROL03") async throws
        -> (status: Int, body: String) {
        let body = Array(FormEncoding.encode([
            "command": command, "text": text, "user_id": user, "channel_id": "C0LOBBY01",
            "trigger_id": "serve.\(UUID().uuidString)", "team_id": FakeSlack.teamID,
        ]).utf8)
        let timestamp = "\(Int(Date().timeIntervalSince1970))"
        let signature = try await IndependentSigner.sign(secret: SlackHarness.secret, [(timestamp, body)])[0]
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/slack/events")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(timestamp, forHTTPHeaderField: "X-Slack-Request-Timestamp")
        request.setValue(signature, forHTTPHeaderField: "X-Slack-Signature")
        return try await HTTPPost.send(request)
    }

    /// Reads the bot's log lines until `HTTP listener listening ... address=127.0.0.1:PORT`.
    static func port(from handle: FileHandle) async -> Int? {
        await ports(from: handle, of: ["HTTP listener"])["HTTP listener"]
    }

    /// Reads the bot's log lines until each of `listeners` logged its line (`address=127.0.0.1:PORT
    /// [IncidentApp] <listener> listening`), and returns their ports. Read on a thread of its own:
    /// the fake Slack the bot asks as it starts answers on the threads the tests share.
    static func ports(from handle: FileHandle, of listeners: [String]) async -> [String: Int] {
        (try? await TestTools.offPool { portsHere(from: handle, of: listeners) }) ?? [:]
    }

    private static func portsHere(from handle: FileHandle, of listeners: [String]) -> [String: Int] {
        var seen = ""
        var found: [String: Int] = [:]
        let deadline = TestTools.patientDeadline
        while ContinuousClock.now < deadline, found.count < listeners.count {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            for listener in listeners where found[listener] == nil {
                if let line = seen.range(of: #"address=127\.0\.0\.1:\d+[^\n]*"# + listener + " listening", options: .regularExpression),
                   let port = seen[line].range(of: #"(?<=127\.0\.0\.1:)\d+"#, options: .regularExpression) {
                    found[listener] = Int(seen[line][port])
                }
            }
        }
        return found
    }
}

/// A POST through Foundation's URLSession: a client that shares no code with the bot.
enum HTTPPost {
    static func send(_ request: URLRequest) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
