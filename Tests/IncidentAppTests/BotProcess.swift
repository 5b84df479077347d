import Foundation
import IncidentTesting

/// Runs the built `incident-bot` binary as a subprocess, as a person at a terminal would.
struct BotProcess {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    }

    static var binary: URL { TestTools.botBinary }

    static let config = TestConfig.directory.appendingPathComponent("incident-bot.yaml").path

    /// Runs `incident-bot arguments...` with `input` on standard input and waits for it to exit;
    /// `environment` is added to this process's. The wait is on a thread of its own, not one of
    /// the two the concurrent tests share. `folder`: the working folder, if not this process's.
    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:], folder: URL? = nil) async throws -> Result {
        try await TestTools.offPool { try runHere(arguments, input: input, environment: environment, folder: folder) }
    }

    private static func runHere(_ arguments: [String], input: String, environment: [String: String], folder: URL?) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }
}
