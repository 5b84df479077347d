import Crypto
import IncidentCore
import IncidentWire

/// Slack's request signing, v0: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` under
/// the app's signing secret. The same code signs (tests, benchmarks) and verifies (the server).
public struct SlackSigner: Sendable {
    let secret: [UInt8]
    /// How far the request timestamp may be from now, either way.
    public let tolerance: Duration

    public init(secret: String, tolerance: Duration = .minutes(5)) {
        self.secret = Array(secret.utf8)
        self.tolerance = tolerance
    }

    /// `X-Slack-Signature` for a body sent at `timestamp` (seconds since the epoch, as text).
    public func signature(timestamp: String, body: some Collection<UInt8>) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: basestring(timestamp: timestamp, body: body), using: SymmetricKey(data: secret))
        return "v0=" + Hex.string(mac)
    }

    func basestring(timestamp: String, body: some Collection<UInt8>) -> [UInt8] {
        Array("v0:\(timestamp):".utf8) + Array(body)
    }

    /// Checks a request's signature headers against its raw body; nil when it is genuine and
    /// fresh. The MAC is compared in constant time.
    public func verify(signature: String?, timestamp: String?, body: some Collection<UInt8>, now: Timestamp) -> SignatureFailure? {
        guard let signature, let timestamp else { return .missingHeaders }
        guard timestamp.count <= 12, let seconds = Int64(timestamp), seconds > 0 else { return .badTimestamp }
        let skew = now - Timestamp(secondsSinceEpoch: seconds)
        guard skew <= tolerance, skew >= .zero - tolerance else { return .staleTimestamp }
        guard signature.hasPrefix("v0="), let mac = Hex.bytes(signature.dropFirst(3)), mac.count == SHA256.byteCount else {
            return .mismatch
        }
        let valid = HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: basestring(timestamp: timestamp, body: body), using: SymmetricKey(data: secret))
        return valid ? nil : .mismatch
    }
}

/// Why a request was not accepted as Slack's. Logged and counted; never told to the caller.
public enum SignatureFailure: String, Hashable, Sendable, CaseIterable {
    case missingHeaders = "missing signature or timestamp header"
    case badTimestamp = "timestamp is not a number of seconds"
    case staleTimestamp = "timestamp is too far from now (over 5 minutes by default)"
    case mismatch = "signature does not match"
}
