import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Tools the tests need from outside Swift (PyPI packages), installed on first use into a
/// virtual environment under `.build/test-tools/`, so `swift test` alone works on a fresh
/// machine. A tool that cannot be installed fails the test with the reason; none is skipped.
public enum TestTools {
    /// How long a test waits in real time for what should happen at once (a delivery, a
    /// call, a log line) before it gives up and fails. A guard against hanging, never a
    /// promise of speed: while the whole suite starts on a 2-core CI machine, a test that
    /// takes 0.1 s alone was seen to take 30, and a 10 s guard ran out on working code.
    public static let patience: Duration = .seconds(60)

    /// `patience` from now, for a loop that polls.
    public static var patientDeadline: ContinuousClock.Instant { .now + patience }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// One install per tool and process, shared by every test that needs it.
    static let installs = Mutex<[String: Task<String, any Error>]>([:])

    /// The built `incident-bot` executable: beside the test bundle, or in `.build/debug`.
    public static var botBinary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("incident-bot")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return TestConfig.repository.appendingPathComponent(".build/debug/incident-bot")
    }

    /// The Python interpreter of `.build/test-tools/<name>`, where `requirement` (`slack-sdk==3.48.0`)
    /// is installed; `check` is Python that fails unless the right version is there. The
    /// install (a minute or more on a fresh machine) runs on a thread of its own: tests that
    /// wait for it hold none of Swift's few concurrency threads, so the rest of the suite, its
    /// HTTP servers among it, goes on meanwhile.
    public static func python(_ name: String, requirement: String, check: String) async throws -> String {
        let install = installs.withLock { tasks in
            if let running = tasks[name] { return running }
            let task = Task { try await offPool { try installPython(name, requirement: requirement, check: check) } }
            tasks[name] = task
            return task
        }
        return try await install.value
    }

    static func installPython(_ name: String, requirement: String, check: String) throws -> String {
        let venv = TestConfig.repository.appendingPathComponent(".build/test-tools/\(name)")
        let python = venv.appendingPathComponent("bin/python3").path
        if FileManager.default.fileExists(atPath: python), (try? run(python, ["-c", check])) != nil { return python }
        do {
            try FileManager.default.createDirectory(at: venv.deletingLastPathComponent(), withIntermediateDirectories: true)
            try run("/usr/bin/env", ["python3", "-m", "venv", "--clear", venv.path])
            try run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement])
            try run(python, ["-c", check])
        } catch {
            throw Failure("cannot install \(requirement) for the tests into \(venv.path): \(error)")
        }
        return python
    }

    /// Runs blocking work (a child process, an install) on a thread of its own and waits for it
    /// without holding a concurrency thread.
    public static func offPool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// Waits for `process` to exit on a thread of its own: `waitUntilExit` on one of the two
    /// threads the concurrent tests share held up every other test meanwhile.
    public static func waitForExit(_ process: Process) async throws {
        try await offPool { process.waitUntilExit() }
    }

    /// Runs a program to its end; throws with its error output when it exits non-zero.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        do {
            try process.run()
        } catch {
            throw Failure("cannot run \(executable): \(error)")
        }
        if let input { stdin.fileHandleForWriting.write(input) }
        try? stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure("\(executable) \(arguments.prefix(3).joined(separator: " ")) exited \(process.terminationStatus): "
                          + String(decoding: err, as: UTF8.self).suffix(600))
        }
        return out
    }

    /// A TCP port on 127.0.0.1 that nothing listens on just now (for a server that must be
    /// told its port before it starts).
    public static func freePort() throws -> Int {
        let (socket, port) = try boundPort()
        close(socket)
        return port
    }

    /// A TCP port on 127.0.0.1 held bound, and not listening, until the descriptor returned is
    /// closed: a connection there is refused at once, and no other test's server takes it
    /// meanwhile (one that took a port `freePort` had let go of answered a connection and then
    /// said nothing).
    public static func refusingPort() throws -> (descriptor: Int32, port: Int) { try boundPort() }

    static func boundPort() throws -> (Int32, Int) {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure("no socket for a free port") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else {
            close(socket)
            throw Failure("cannot find a free port")
        }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }
}
