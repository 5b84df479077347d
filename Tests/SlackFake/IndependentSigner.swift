import Foundation
import Synchronization

/// Signs Slack requests with Slack's own Python SDK (`slack_sdk.signature`), an implementation
/// independent of the project's. Installs slack-sdk into `.build/test-tools/python` on first
/// use; fails loudly when it cannot.
public enum IndependentSigner {
    public static let slackSDKVersion = "3.48.0"

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let venv = packageRoot.appendingPathComponent(".build/test-tools/python")
    static let python = venv.appendingPathComponent("bin/python3").path
    static let installed = Mutex<Bool>(false)

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Signs each `(timestamp, body)` with `secret`; one Python process for the batch.
    public static func sign(secret: String, _ requests: [(timestamp: String, body: [UInt8])]) throws -> [String] {
        try install()
        let script = """
        import json, sys
        from slack_sdk.signature import SignatureVerifier
        job = json.load(sys.stdin)
        verifier = SignatureVerifier(signing_secret=job["secret"])
        print(json.dumps([verifier.generate_signature(timestamp=item["timestamp"], body=item["body"]) for item in job["items"]]))
        """
        let items = requests.map { ["timestamp": $0.timestamp, "body": String(decoding: $0.body, as: UTF8.self)] }
        let input = try JSONSerialization.data(withJSONObject: ["secret": secret, "items": items])
        let output = try run(python, ["-c", script], input: input)
        guard let signatures = try JSONSerialization.jsonObject(with: output) as? [String], signatures.count == requests.count else {
            throw Failure(description: "slack_sdk signer printed \(String(decoding: output, as: UTF8.self))")
        }
        return signatures
    }

    /// Creates the virtual environment and installs slack-sdk, once per machine.
    static func install() throws {
        try installed.withLock { done in
            if done { return }
            let check = "import slack_sdk.version as v; assert v.__version__ == '\(slackSDKVersion)'"
            if FileManager.default.fileExists(atPath: python), (try? run(python, ["-c", check])) != nil {
                done = true
                return
            }
            try FileManager.default.createDirectory(at: venv.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = try run("/usr/bin/env", ["python3", "-m", "venv", "--clear", venv.path])
            _ = try run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "slack-sdk==\(slackSDKVersion)"])
            _ = try run(python, ["-c", check])
            done = true
        }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> Data {
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
            throw Failure(description: "cannot run \(executable): \(error)")
        }
        if let input { stdin.fileHandleForWriting.write(input) }
        try? stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "the independent Slack signer could not be set up or run: \(executable) \(arguments.prefix(3).joined(separator: " ")) "
                          + "exited \(process.terminationStatus): \(String(decoding: err, as: UTF8.self).suffix(600))")
        }
        return out
    }
}
