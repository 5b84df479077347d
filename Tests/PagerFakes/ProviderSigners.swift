import Foundation
import IncidentTesting

/// Signatures made by code that shares nothing with the bot: Twilio's own Python SDK
/// (`twilio.request_validator.RequestValidator`, installed under `.build/test-tools/` on first
/// use) and Python's standard `hmac` for PagerDuty's and the webhook's HMAC-SHA256.
public enum ProviderSigners {
    public static let twilioVersion = "9.13.0"

    /// `X-Twilio-Signature` for a POST of `parameters` to `url`, as Twilio computes it.
    public static func twilio(token: String, url: String, parameters: [String: String]) async throws -> String {
        let python = try await TestTools.python("twilio", requirement: "twilio==\(twilioVersion)",
                                          check: "import twilio; assert twilio.__version__ == '\(twilioVersion)'")
        let script = """
        import json, sys
        from twilio.request_validator import RequestValidator
        job = json.load(sys.stdin)
        print(RequestValidator(job["token"]).compute_signature(job["url"], job["params"]))
        """
        let input = try JSONSerialization.data(withJSONObject: ["token": token, "url": url, "params": parameters])
        return String(decoding: try await TestTools.offPool { try TestTools.run(python, ["-c", script], input: input) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Hex HMAC-SHA256 of `message` under `secret`, by Python's standard library.
    public static func hmacSHA256(secret: String, message: String) async throws -> String {
        let script = """
        import hashlib, hmac, json, sys
        job = json.load(sys.stdin)
        print(hmac.new(job["secret"].encode(), job["message"].encode(), hashlib.sha256).hexdigest())
        """
        let input = try JSONSerialization.data(withJSONObject: ["secret": secret, "message": message])
        return String(decoding: try await TestTools.offPool { try TestTools.run("/usr/bin/env", ["python3", "-c", script], input: input) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
