import Crypto
import Foundation
import IncidentEngine
import IncidentPolicy
import IncidentWire
import Synchronization

/// The policies incidents were declared under, each stored once in the `policy` table under
/// the SHA-256 of its JSON (its digest), and kept decoded in memory both ways: an incident's
/// save looks its policy's digest up instead of encoding it, and a read decodes a policy once
/// per process. A digest names one body for good, so neither cache can go stale, even when the
/// transaction that first wrote a policy rolls back. The store gives the table's two
/// operations as closures on its open transaction.
public final class PolicySnapshots: Sendable {
    private let digests = Mutex<[Policy: String]>([:])
    private let policies = Mutex<[String: Policy]>([:])
    /// Digests a committed transaction found stored or stored itself: a policy row is never
    /// deleted, so these need no look-up again.
    private let committed = Mutex<Set<String>>([])

    public init() {}

    /// The digest of `policy`, storing it first (`insert(digest, body)`, ignoring one already
    /// there) unless it is known committed or `isStored(digest)`.
    public func digest(of policy: Policy, isStored: (String) throws -> Bool, insert: (String, String) throws -> Void) throws -> String {
        if let known = knownDigest(policy) {
            if committed.withLock({ $0.contains(known) }) { return known }
            // Known to this process, but perhaps only from a transaction that rolled back.
            if try isStored(known) { return known }
        }
        let body = try StateCoding.encodeCanonical(policy)
        let digest = Hex.string(SHA256.hash(data: Data(body.utf8)))
        try insert(digest, body)
        digests.withLock { $0[policy] = digest }
        policies.withLock { $0[digest] = policy }
        return digest
    }

    /// The policy whose digest was asked last, most often the one asked now: comparing a copy
    /// of the same policy costs little (its arrays and text are the same storage), hashing it
    /// whole for the table does not.
    private let lastAsked = Mutex<(policy: Policy, digest: String)?>(nil)

    private func knownDigest(_ policy: Policy) -> String? {
        if let last = lastAsked.withLock({ $0 }), last.policy == policy { return last.digest }
        guard let digest = digests.withLock({ $0[policy] }) else { return nil }
        lastAsked.withLock { $0 = (policy, digest) }
        return digest
    }

    /// The digests a transaction's saves referred to, once it committed (`TouchedIncidents.policies`).
    public func confirm(_ digests: Set<String>) {
        guard !digests.isEmpty else { return }
        committed.withLock { $0.formUnion(digests) }
    }

    /// The policy stored under `digest`; `load(digest)` reads its body.
    public func policy(_ digest: String, load: (String) throws -> String?) throws -> Policy {
        if let known = policies.withLock({ $0[digest] }) { return known }
        guard let body = try load(digest) else {
            throw CorruptRow(description: "no policy \(digest.prefix(12))")
        }
        let policy = try StateCoding.decode(Policy.self, body)
        policies.withLock { $0[digest] = policy }
        digests.withLock { $0[policy] = digest }
        return policy
    }
}

/// A row the store cannot make sense of.
public struct CorruptRow: UnreadableRow, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
