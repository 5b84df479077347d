import PostgresNIO

/// A replica connected to the same database on other policy and roster files.
public struct ReplicaOnOtherFiles: Sendable, Hashable {
    public let tag: ReplicaTag
    /// The address its connection comes from, as the database sees it.
    public let address: String

    public init(tag: ReplicaTag, address: String) {
        self.tag = tag
        self.address = address
    }
}

extension PostgresStore {
    /// The replicas connected to this database now, other than `own`, whose policy and roster
    /// files differ from its, by their connections' names (`ReplicaTag`); one entry each,
    /// in order of id.
    public func replicasOnOtherFiles(than own: ReplicaTag) async throws -> [ReplicaOnOtherFiles] {
        let named = try await reader.run { sql in
            try sql.rows("""
                SELECT application_name, coalesce(host(client_addr), 'a local socket') FROM pg_stat_activity
                WHERE datname = current_database() AND application_name LIKE 'incident-bot replica %'
                """).map { try $0.decode((String, String).self) }
        }
        var others: [String: ReplicaOnOtherFiles] = [:]
        for (name, address) in named {
            guard let tag = ReplicaTag(applicationName: name), tag.id != own.id, tag.files != own.files else { continue }
            others[tag.id] = ReplicaOnOtherFiles(tag: tag, address: address)
        }
        return others.values.sorted { $0.tag.id < $1.tag.id }
    }
}
