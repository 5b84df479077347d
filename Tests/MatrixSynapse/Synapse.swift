import Crypto
import Foundation
import IncidentMatrix
import IncidentTesting
import IncidentWire
import Synchronization

/// A real Synapse homeserver for one test or suite: installed from PyPI into
/// `.build/test-tools/synapse` on first use, run on 127.0.0.1 from a temp folder with a
/// generated config (server_name `localhost`, SQLite, shared-secret registration, no
/// federation listener, no key servers, no stats). Fails with Synapse's own log when it cannot
/// start; never skipped.
public final class Synapse: Sendable {
    public static let version = "1.163.2"
    public static let serverName = "localhost"

    public enum RateLimits: Sendable {
        /// Raised far above any test's needs, so tests measure the bot, not the limiter.
        case raised
        /// Synapse's defaults (`rc_message`: 0.2/s, burst 10, and the rest).
        case synapseDefaults
    }

    public let folder: URL
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    let python: String
    let sharedSecret = UUID().uuidString
    let process = Mutex<Process?>(nil)
    /// Homeservers started by this test process, stopped when it exits (the shared one lives
    /// until then).
    static let running = Mutex<Set<pid_t>>([])
    static let exitHook = Mutex(false)

    static func stopAtExit() {
        exitHook.withLock { registered in
            guard !registered else { return }
            registered = true
            atexit { Synapse.running.withLock { for pid in $0 { kill(pid, SIGTERM) } } }
        }
    }

    public static func start(rateLimits: RateLimits = .raised) async throws -> Synapse {
        let python = try await TestTools.python("synapse", requirement: "matrix-synapse==\(version)",
                                          check: "import importlib.metadata as m; assert m.version('matrix-synapse') == '\(version)'")
        let synapse = try Synapse(python: python, rateLimits: rateLimits)
        try await TestTools.offPool { try TestTools.run(python, ["-m", "synapse.app.homeserver", "--config-path", synapse.config.path, "--generate-keys"]) }
        try await synapse.start()
        return synapse
    }

    var config: URL { folder.appendingPathComponent("homeserver.yaml") }
    var log: URL { folder.appendingPathComponent("homeserver.log") }

    init(python: String, rateLimits: RateLimits) throws {
        self.python = python
        folder = try TestConfig.temporaryDirectory()
        port = try TestTools.freePort()
        let values = ["server_name": Self.serverName, "port": "\(port)", "dir": folder.path, "shared_secret": sharedSecret,
                      "macaroon_secret": UUID().uuidString, "form_secret": UUID().uuidString]
        var yaml = try Self.template("homeserver.yaml", values)
        if case .raised = rateLimits { yaml += "\n" + (try Self.template("rate-limits-raised.yaml", values)) }
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        try Self.template("log.yaml", values).write(to: folder.appendingPathComponent("log.yaml"), atomically: true, encoding: .utf8)
    }

    /// A file of Tests/MatrixSynapse/config (shared with bench/matrix_bench.py) with its
    /// `{{name}}` placeholders filled in.
    static func template(_ name: String, _ values: [String: String]) throws -> String {
        let file = TestConfig.repository.appendingPathComponent("Tests/MatrixSynapse/config/\(name)")
        var text = try String(contentsOf: file, encoding: .utf8)
        for (key, value) in values { text = text.replacingOccurrences(of: "{{\(key)}}", with: value) }
        if let left = text.range(of: "{{") { throw TestTools.Failure("\(name): no value for \(text[left.lowerBound...].prefix(30))") }
        return text
    }

    /// Starts the homeserver (again, after `stop`) and waits until it answers.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        // The test process's threads block most signals and a spawned child inherits that mask:
        // a one-line wrapper unblocks them, or SIGTERM would never reach Synapse.
        process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
                             + "signal.signal(signal.SIGTERM, signal.SIG_DFL); "
                             + "os.execv(sys.executable, [sys.executable, '-m', 'synapse.app.homeserver', '--config-path', sys.argv[1]])",
                             config.path]
        let output = FileManager.default.createFile(atPath: folder.appendingPathComponent("stdout.log").path, contents: nil)
            ? try FileHandle(forWritingTo: folder.appendingPathComponent("stdout.log")) : nil
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process.withLock { $0 = process }
        Self.stopAtExit()
        _ = Self.running.withLock { $0.insert(process.processIdentifier) }
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw TestTools.Failure("Synapse exited at start (\(process.terminationStatus)): \(tail())") }
            if (try? await probe()) == true { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestTools.Failure("Synapse did not answer within 120 s: \(tail())")
    }

    func probe() async throws -> Bool {
        let client = MatrixClient(homeserver: url, auth: .token(Secret("none")))
        let answer = try await client.send(.GET, "/_matrix/client/versions", body: nil, token: nil, timeout: .seconds(2))
        return answer["versions"] != nil
    }

    /// Stops the homeserver as an operator would (SIGTERM) and waits for it to exit, on a
    /// thread of its own (Synapse takes seconds to stop).
    public func stop() async {
        guard let process = process.withLock({ $0 }) else { return }
        process.terminate()
        try? await TestTools.waitForExit(process)
        forget(process)
    }

    private func forget(_ process: Process) {
        self.process.withLock { $0 = nil }
        _ = Self.running.withLock { $0.remove(process.processIdentifier) }
    }

    deinit {
        if let process = process.withLock({ $0 }) {
            process.terminate()
            process.waitUntilExit()
            forget(process)
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The end of Synapse's logs, for a failure message.
    func tail() -> String {
        let logs = [log, folder.appendingPathComponent("stdout.log")].compactMap { try? String(contentsOf: $0, encoding: .utf8) }
        return String(logs.joined(separator: "\n").suffix(1_500))
    }

    /// Registers a user with the shared secret (`/_synapse/admin/v1/register`) and logs them in.
    public func register(_ localpart: String, admin: Bool = false) async throws -> MatrixTestUser {
        let client = MatrixClient(homeserver: url, auth: .token(Secret("none")))
        let path = "/_synapse/admin/v1/register"
        guard let nonce = try await client.send(.GET, path, body: nil, token: nil, timeout: .seconds(10))["nonce"]?.string else {
            throw TestTools.Failure("Synapse gave no registration nonce")
        }
        let password = UUID().uuidString
        let message = [nonce, localpart, password, admin ? "admin" : "notadmin"].joined(separator: "\u{0}")
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(sharedSecret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        let answer = try await client.send(.POST, path, body: [
            "nonce": .string(nonce), "username": .string(localpart), "password": .string(password),
            "admin": .bool(admin), "mac": .string(hex),
        ], token: nil, timeout: .seconds(30))
        guard let token = answer["access_token"]?.string, let user = answer["user_id"]?.string else {
            throw TestTools.Failure("registration of \(localpart) answered \(answer.text)")
        }
        return MatrixTestUser(homeserver: url, user: user, password: password, token: token)
    }
}

/// One homeserver shared by the tests of a process that need no homeserver of their own (each
/// harness registers its own users); started on first use.
public actor SharedSynapse {
    static let instance = SharedSynapse()
    var starting: Task<Synapse, any Error>?

    public static func get() async throws -> Synapse { try await instance.synapse() }

    func synapse() async throws -> Synapse {
        if let starting { return try await starting.value }
        let task = Task { try await Synapse.start() }
        starting = task
        return try await task.value
    }
}
