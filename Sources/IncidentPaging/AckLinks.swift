import Crypto
import Foundation
import IncidentCore
import IncidentWire

/// Acknowledge links for pages that leave chat (mail, a text): `<public_url>/ack/<token>`,
/// where the token names the incident, the paged person and the page, says until when it is
/// valid, and carries an HMAC-SHA256 over all of that under the bot's link secret. Nobody
/// without the secret can make one, or change whom or what one acknowledges. A link is used
/// once: the engine records its page key as seen when it acknowledges.
public struct AckLinks: Sendable {
    let secret: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: secret) }
    /// `https://incident-bot.example.org`, without a trailing slash.
    public let publicURL: String
    /// How long a link works after its page was queued.
    public let validity: Duration

    public init(secret: [UInt8], publicURL: String, validity: Duration) {
        self.secret = secret
        var url = publicURL
        while url.hasSuffix("/") { url.removeLast() }
        self.publicURL = url
        self.validity = validity
    }

    /// What a genuine token says.
    public struct Grant: Hashable, Sendable, Codable {
        public var incident: Int
        public var person: PersonID
        /// The page's outbox key: one link per page and method, used once.
        public var page: String
        /// The method that carried the link (mail, a text).
        public var method: ContactMethod
        public var expires: Timestamp
        /// When its incident was declared: a database restored from a backup numbers its next
        /// incident as the lost one did, and a link the lost one sent must not acknowledge it.
        /// nil in a link made before 0.14 (read as it was).
        public var declaredAt: Timestamp?

        enum CodingKeys: String, CodingKey {
            case incident = "i", person = "p", page = "k", method = "m", expires = "x", declaredAt = "d"
        }
    }

    public enum Refusal: Error, Hashable, Sendable {
        /// Not a token this bot made (forged, altered, truncated).
        case invalid
        /// Genuine but past its time.
        case expired(Grant)
    }

    /// The link for a page queued at `queuedAt`, of the incident declared at `declaredAt`.
    public func link(incident: Int, person: PersonID, page: String, method: ContactMethod, queuedAt: Timestamp,
                     declaredAt: Timestamp?) -> String {
        publicURL + Self.path + token(incident: incident, person: person, page: page, method: method, queuedAt: queuedAt,
                                      declaredAt: declaredAt)
    }

    /// The token alone, for a provider's callback URL (a phone call's keypress).
    public func token(incident: Int, person: PersonID, page: String, method: ContactMethod, queuedAt: Timestamp,
                      declaredAt: Timestamp?) -> String {
        token(Grant(incident: incident, person: person, page: page, method: method, expires: queuedAt + validity, declaredAt: declaredAt))
    }

    /// Where the links live on the bot's HTTP listener.
    public static let path = "/ack/"

    func token(_ grant: Grant) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Array((try? encoder.encode(grant)) ?? Data())
        let mac = HMAC<SHA256>.authenticationCode(for: Self.version + payload, using: key)
        return Base64URL.encode(payload) + "." + Base64URL.encode(mac)
    }

    /// The grant a token carries when it is genuine and unexpired at `now`. The MAC is checked
    /// (in constant time) before the payload is decoded.
    public func read(_ token: String, now: Timestamp) -> Result<Grant, Refusal> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 2_048, parts.count == 2, let payload = Base64URL.decode(parts[0]),
              let mac = Base64URL.decode(parts[1]), mac.count == SHA256.byteCount,
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.version + payload, using: key),
              let grant = try? JSONDecoder().decode(Grant.self, from: Data(payload)) else {
            return .failure(.invalid)
        }
        return now < grant.expires ? .success(grant) : .failure(.expired(grant))
    }

    /// `text` with every acknowledge token in it replaced by `<acknowledge token>`, also inside
    /// a link or a callback URL, percent-encoded or not: a token is its payload (JSON, so `eyJ`
    /// in base64), a dot and a 43-character MAC, as `token(_:)` writes it. For what the bot logs
    /// of a provider's answer, which may quote the request that carried one.
    public static func blankingTokens(in text: String) -> String {
        text.replacing(#/eyJ[A-Za-z0-9_%-]*(?:\.|%2[Ee])[A-Za-z0-9_%-]{43,}/#, with: "<acknowledge token>")
    }

    /// Bound into every MAC, so a token of another kind or a later format never passes as this one.
    static let version = Array("incident-bot ack link v1\n".utf8)
}
