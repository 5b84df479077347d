import Crypto
import IncidentCore
import IncidentWire

/// What names one send to a receiver that drops repeats (a mail's Message-ID, a webhook's
/// `Idempotency-Key`): the outbox key and when the job was queued, hashed under the
/// database's own secret (the acknowledge links') when it has one. The same on every retry of
/// one job; different for another database's job of the same key (a fresh install, a restore,
/// a staging bot numbering its incidents alike), whose page a receiver must not drop as a
/// repeat.
enum SendIdentity {
    /// 32 hex digits.
    static func digest(key: String, queuedAt: Timestamp?, identity: SymmetricKey?) -> String {
        let job = Array((key + "/" + (queuedAt.map { "\($0.secondsSinceEpoch)" } ?? "")).utf8)
        let digest = identity.map { Hex.string(HMAC<SHA256>.authenticationCode(for: job, using: $0)) } ?? Hex.string(SHA256.hash(data: job))
        return String(digest.prefix(32))
    }
}
