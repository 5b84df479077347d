import Foundation
import IncidentTesting

/// Signs Slack requests with Slack's own Python SDK (`slack_sdk.signature`), an implementation
/// independent of the project's. Installs slack-sdk into `.build/test-tools/python` on first
/// use (`TestTools`); fails loudly when it cannot.
public enum IndependentSigner {
    public static let slackSDKVersion = "3.48.0"

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Signs each `(timestamp, body)` with `secret`; one Python process for the batch.
    public static func sign(secret: String, _ requests: [(timestamp: String, body: [UInt8])]) async throws -> [String] {
        let python = try await TestTools.python("python", requirement: "slack-sdk==\(slackSDKVersion)",
                                          check: "import slack_sdk.version as v; assert v.__version__ == '\(slackSDKVersion)'")
        let script = """
        import json, sys
        from slack_sdk.signature import SignatureVerifier
        job = json.load(sys.stdin)
        verifier = SignatureVerifier(signing_secret=job["secret"])
        print(json.dumps([verifier.generate_signature(timestamp=item["timestamp"], body=item["body"]) for item in job["items"]]))
        """
        let items = requests.map { ["timestamp": $0.timestamp, "body": String(decoding: $0.body, as: UTF8.self)] }
        let input = try JSONSerialization.data(withJSONObject: ["secret": secret, "items": items])
        let output = try await TestTools.offPool { try TestTools.run(python, ["-c", script], input: input) }
        guard let signatures = try JSONSerialization.jsonObject(with: output) as? [String], signatures.count == requests.count else {
            throw Failure(description: "slack_sdk signer printed \(String(decoding: output, as: UTF8.self))")
        }
        return signatures
    }
}
