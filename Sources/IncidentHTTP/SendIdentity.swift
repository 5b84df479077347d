import Crypto
import IncidentCore
import IncidentEngine
import IncidentWire

/// What names one send to a receiver that keeps what it was sent (a mail's Message-ID, a
/// webhook's `Idempotency-Key`, a Matrix txnId, the key in a Slack message's metadata): the
/// outbox key and when the job was queued, hashed (under the database's own secret, the
/// acknowledge links', when the receiver should not be able to guess it). The same on every
/// retry of one job; different for another database's job of the same key: a fresh install,
/// a database restored from a backup, a staging bot numbering its incidents alike. With the
/// bare outbox key, the first page of a restored database's next incident could be taken
/// for the lost one's of the same number, and dropped as a repeat.
public enum SendIdentity {
    /// 32 hex digits.
    public static func digest(key: String, queuedAt: Timestamp?, identity: SymmetricKey?) -> String {
        let job = Array((key + "/" + (queuedAt.map { "\($0.secondsSinceEpoch)" } ?? "")).utf8)
        let digest = identity.map { Hex.string(HMAC<SHA256>.authenticationCode(for: job, using: $0)) } ?? Hex.string(SHA256.hash(data: job))
        return String(digest.prefix(32))
    }
}

extension TransportJob {
    /// `INC-4/12@matrix/<32 hex digits>`: the outbox key, readable, and what makes it this
    /// database's send.
    public func sendKey(identity: SymmetricKey? = nil) -> String {
        key + "/" + SendIdentity.digest(key: key, queuedAt: queuedAt, identity: identity)
    }
}
