import Foundation

/// How a `serve` replica names itself on PostgreSQL: a random id for the process (the lease's
/// holder ends with it) and the digest of the policy and roster files it runs. Its connections
/// carry both as their `application_name`, so every replica sees the others' files in
/// `pg_stat_activity` while they are connected, and no row of theirs outlives them.
public struct ReplicaTag: Sendable, Hashable {
    /// Eight hexadecimal digits, new at every start.
    public let id: String
    /// The first twelve hexadecimal digits of the files' digest.
    public let files: String

    static let prefix = "incident-bot replica "

    public init(id: String = String(UUID().uuidString.prefix(8)).lowercased(), filesDigest: String) {
        self.id = id
        files = String(filesDigest.prefix(12))
    }

    /// `incident-bot replica <id> files <digest>`: 46 characters, under PostgreSQL's 63.
    var applicationName: String { "\(Self.prefix)\(id) files \(files)" }

    /// The tag an `application_name` spells, or nil for any other connection's.
    init?(applicationName: String) {
        guard applicationName.hasPrefix(Self.prefix) else { return nil }
        let words = applicationName.dropFirst(Self.prefix.count).split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 3, words[1] == "files", !words[0].isEmpty, !words[2].isEmpty else { return nil }
        id = String(words[0])
        files = String(words[2])
    }
}
