import Crypto
import Foundation
import GRDB
import IncidentPolicy
import IncidentWire
import Synchronization

/// The policies incidents were declared under, each stored once in the `policy` table under
/// the SHA-256 of its JSON (its digest), and kept decoded in memory both ways: an incident's
/// save looks its policy's digest up instead of encoding it, and a read decodes a policy once
/// per process. A digest names one body for good, so neither cache can go stale, even when the
/// transaction that first wrote a policy rolls back.
final class PolicySnapshots: Sendable {
    private let digests = Mutex<[Policy: String]>([:])
    private let policies = Mutex<[String: Policy]>([:])

    /// The digest of `policy`, storing it first if this database has not got it.
    func digest(of policy: Policy, in db: Database) throws -> String {
        if let known = digests.withLock({ $0[policy] }) {
            // Known to this process, but perhaps only from a transaction that rolled back.
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM policy WHERE digest = ?"), arguments: [known]) == true {
                return known
            }
        }
        let body = try StateCoding.encodeCanonical(policy)
        let digest = Hex.string(SHA256.hash(data: Data(body.utf8)))
        try db.execute(sql: "INSERT OR IGNORE INTO policy (digest, body) VALUES (?, ?)", arguments: [digest, body])
        digests.withLock { $0[policy] = digest }
        policies.withLock { $0[digest] = policy }
        return digest
    }

    /// The policy stored under `digest`.
    func policy(_ digest: String, in db: Database) throws -> Policy {
        if let known = policies.withLock({ $0[digest] }) { return known }
        guard let body = try String.fetchOne(db, sql: "SELECT body FROM policy WHERE digest = ?", arguments: [digest]) else {
            throw SQLiteRecords.CorruptRow(description: "no policy \(digest.prefix(12))")
        }
        let policy = try StateCoding.decode(Policy.self, body)
        policies.withLock { $0[digest] = policy }
        digests.withLock { $0[policy] = digest }
        return policy
    }
}
