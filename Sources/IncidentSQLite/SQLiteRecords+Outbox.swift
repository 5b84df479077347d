import GRDB
import IncidentCore
import IncidentEngine
import IncidentStorage

/// The outbox half of `SQLiteRecords`: queueing, the heads delivery reads, the marks it
/// writes, and what an operator lists, retries and drops.
extension SQLiteRecords {
    func enqueue(_ items: [OutboxItem]) throws {
        for item in items {
            try execute("""
                INSERT OR IGNORE INTO outbox (key, incident, platform, lane, attempts, not_before, created_at)
                VALUES (?, ?, ?, ?, 0, ?, ?)
                """, arguments: [item.key, item.incident, item.method.rawValue, item.lane,
                                 item.notBefore.secondsSinceEpoch, item.createdAt.secondsSinceEpoch])
            guard db.changesCount > 0 else { continue }
            let id = db.lastInsertedRowID
            try execute("INSERT INTO outbox_job (id, job) VALUES (?, ?)", arguments: [id, StateCoding.encodeJob(item.job)])
            changes?.queued(item.job, id: id, on: item.method)
        }
    }

    func outboxRows(_ clause: String, _ arguments: StatementArguments) throws -> [(OutboxItem, OutboxItem.State)] {
        try outboxResults(clause, arguments).map { try $0.get() }
    }

    /// The columns of `outbox` that `outboxResults` reads, by position: `OutboxRow.columns`
    /// without the job, which is a table of its own here (`outbox_job`).
    static let outboxColumns = "id, key, incident, platform, lane, state, attempts, not_before, created_at, last_error"

    /// Each row `clause` (after FROM outbox) picks, decoded, or why it cannot be.
    func outboxResults(_ clause: String, _ arguments: StatementArguments) throws
        -> [Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow>] {
        try outboxResults(statement: "SELECT \(Self.outboxColumns) FROM outbox \(clause)", arguments)
    }

    /// Each row decoded, or why it cannot be, from a statement that selects `outboxColumns`.
    /// A job's text is read only when it is not kept decoded already (`jobs`): delivery reads
    /// the same heads pass after pass.
    func outboxResults(statement: String, _ arguments: StatementArguments) throws
        -> [Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow>] {
        // By position: delivery reads these rows all the time, and a look-up by name lowercases
        // the name and searches the columns for every value.
        let jobText = try db.cachedStatement(sql: "SELECT job FROM outbox_job WHERE id = ?")
        // Through a cursor: each row read in place, not copied into a list of rows first.
        var results: [Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow>] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: statement), arguments: arguments)
        while let row = try rows.next() {
            let id: Int64 = row[0]
            let known = jobs?.job(id)
            let job = known != nil ? nil : try String.fetchOne(jobText, arguments: [id])
            results.append(OutboxRow(id: id, key: row[1], incident: row[2], method: row[3], lane: row[4], job: job, state: row[5],
                                     attempts: row[6], notBefore: row[7], createdAt: row[8], lastError: row[9])
                .decoded(jobs: jobs, known: known))
        }
        return results
    }

    func pendingOutbox(limit: Int) throws -> [OutboxItem] {
        try outboxResults("WHERE state = 'pending' ORDER BY id LIMIT ?", [limit]).compactMap { try? $0.get().0 }
    }

    func latestOutboxID() throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM outbox")) ?? 0
    }

    func newestOutboxIDAtBackup() throws -> Int64? {
        try BackupMark.read(db)?.newestOutboxID
    }

    func noteReadinessCheck(at instant: Timestamp) throws {
        try execute("INSERT INTO counter (name, value) VALUES ('readiness_check', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    arguments: [instant.secondsSinceEpoch])
    }

    /// The lanes with pending items, each found by one seek in the pending-by-lane index (a
    /// loose index scan), then each lane's first `perLane` items by a seek in the same index:
    /// a backlog of thousands in one lane costs `perLane` rows, not a pass over all of them.
    /// One statement for every lane: delivery reads the heads after each round it records, and
    /// a statement a lane made that read a tenth of a drill's statements.
    func outboxHeads(perLane: Int) throws -> OutboxHeads {
        OutboxHeads(lanes: try outboxResults(statement: """
            WITH RECURSIVE lanes(pending_lane) AS (
                SELECT (SELECT min(lane) FROM outbox WHERE state = 'pending')
                UNION ALL
                SELECT (SELECT min(lane) FROM outbox WHERE state = 'pending' AND lane > lanes.pending_lane)
                FROM lanes WHERE pending_lane IS NOT NULL
            )
            SELECT \(Self.outboxColumns) FROM lanes JOIN outbox ON outbox.id IN (
                SELECT head.id FROM outbox AS head WHERE head.state = 'pending' AND head.lane = lanes.pending_lane ORDER BY head.id LIMIT ?
            )
            """, [perLane]))
    }

    func unfinishedOutbox() throws -> [OutboxCount] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT platform, state, count(*) AS n FROM outbox WHERE state <> 'delivered' GROUP BY platform, state
            """)).compactMap { row in
            guard let state = OutboxItem.State(rawValue: row["state"]) else { return nil }
            return OutboxCount(method: row["platform"], state: state, count: row["n"])
        }
    }

    func outboxListing(_ state: OutboxItem.State, limit: Int) throws -> [OutboxListing] {
        let order = state == .pending ? "id" : "finished_at DESC, id DESC"
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, key, platform, state, attempts, not_before, finished_at, last_error FROM outbox WHERE state = ? ORDER BY \(order) LIMIT ?"),
                                    arguments: [state.rawValue, limit])
        let ids = rows.map { $0["id"] as Int64 }
        var items: [Int64: OutboxItem] = [:]
        // In slices: SQLite takes at most 32,766 variables in one statement.
        for start in stride(from: 0, to: ids.count, by: 500) {
            let slice = Array(ids[start..<min(start + 500, ids.count)])
            let decoded = try outboxResults("WHERE id IN (\(Self.placeholders(slice.count)))", StatementArguments(slice))
            for case .success(let (item, _)) in decoded { items[item.id ?? 0] = item }
        }
        return rows.map { row in
            OutboxListing(key: row["key"], method: row["platform"], state: state, attempts: row["attempts"], notBefore: row["not_before"],
                          finishedAt: row["finished_at"], lastError: row["last_error"], decoded: items[row["id"] as Int64])
        }
    }

    func retryOutbox(key: String, at instant: Timestamp) throws -> Bool {
        try execute("""
            UPDATE outbox SET state = 'pending', attempts = 0, not_before = ?, finished_at = NULL,
                sending_at = CASE WHEN state = 'pending' THEN sending_at END
            WHERE key = ? AND state <> 'delivered' AND (last_error IS NULL OR substr(last_error, 1, ?) <> ?)
            """, arguments: [instant.secondsSinceEpoch, key, OutboxItem.withdrawnMark.count, OutboxItem.withdrawnMark])
        return db.changesCount > 0
    }

    func dropOutbox(key: String, reason: String, at instant: Timestamp) throws -> Bool {
        try execute("UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ? WHERE key = ? AND state = 'pending'",
                    arguments: [instant.secondsSinceEpoch, reason, key])
        return db.changesCount > 0
    }

    func outboxItem(key: String) throws -> OutboxItem? {
        try outboxResults("WHERE key = ? LIMIT 1", [key]).first.flatMap { try? $0.get().0 }
    }

    func outboxItemWithState(key: String) throws -> (item: OutboxItem, state: OutboxItem.State)? {
        try outboxResults("WHERE key = ? LIMIT 1", [key]).first.flatMap { try? $0.get() }
    }

    func finishedOutbox(limit: Int) throws -> [(OutboxItem, OutboxItem.State)] {
        try outboxRows("WHERE state <> 'pending' ORDER BY finished_at, id LIMIT ?", [limit])
    }

    func markDelivered(_ id: Int64, at instant: Timestamp) throws {
        try execute("UPDATE outbox SET state = 'delivered', finished_at = ? WHERE id = ? AND state = 'pending'",
                    arguments: [instant.secondsSinceEpoch, id])
        changes?.finished([id])
    }

    /// The items sent at one time in one statement, up to `idsPerStatement` of them: a round's
    /// records are a statement or two, not one an item.
    func markDelivered(_ items: [(id: Int64, at: Timestamp)]) throws {
        for (instant, sent) in Dictionary(grouping: items, by: \.at).sorted(by: { $0.key < $1.key }) {
            for start in stride(from: 0, to: sent.count, by: Self.idsPerStatement) {
                let ids = sent[start..<min(start + Self.idsPerStatement, sent.count)].map(\.id)
                try execute("UPDATE outbox SET state = 'delivered', finished_at = ? WHERE id IN (\(Self.placeholders(ids.count))) AND state = 'pending'",
                            arguments: StatementArguments([instant.secondsSinceEpoch] + ids))
            }
        }
        changes?.finished(items.lazy.map(\.id))
    }

    func markFailed(_ id: Int64, attempts: Int?, reason: String, at instant: Timestamp) throws {
        try execute("""
            UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ?, attempts = coalesce(?, attempts)
            WHERE id = ? AND state = 'pending'
            """, arguments: [instant.secondsSinceEpoch, reason, attempts, id])
        changes?.finished([id])
    }

    func withdrawBroadcasts(incident: Int, reason: String, at instant: Timestamp) throws -> BroadcastWithdrawal {
        // Written so that the unfinished rows' index serves it (`platform`, `state <> 'delivered'`):
        // the outbox keeps every row ever delivered, and a scan of a year's worth took seconds
        // while holding the only writer.
        var result = BroadcastWithdrawal()
        for platform in Platform.allCases {
            let lane = OutboxItem.broadcastLane(platform)
            try execute("""
                UPDATE outbox SET state = 'failed', finished_at = ?, last_error = ?
                WHERE platform = ? AND state <> 'delivered' AND incident = ? AND lane = ?
                AND (state <> 'pending' OR sending_at IS NULL)
                AND (last_error IS NULL OR substr(last_error, 1, ?) <> ?)
                """, arguments: [instant.secondsSinceEpoch, reason, platform.rawValue, incident, lane,
                                 OutboxItem.withdrawnMark.count, OutboxItem.withdrawnMark])
            result.withdrawn += db.changesCount
            result.beingSent += try Int.fetchOne(db, sql: """
                SELECT count(*) FROM outbox
                WHERE platform = ? AND state = 'pending' AND incident = ? AND lane = ? AND sending_at IS NOT NULL
                """, arguments: [platform.rawValue, incident, lane]) ?? 0
        }
        return result
    }

    func releaseSendingClaims(_ ids: [Int64]) throws {
        try execute("UPDATE outbox SET sending_at = NULL WHERE id IN (\(Self.placeholders(ids.count))) AND state = 'pending'",
                    arguments: StatementArguments(ids))
    }

    func claimForSending(_ ids: [Int64], at instant: Timestamp) throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return Set(try Int64.fetchAll(db.cachedStatement(sql: """
            UPDATE outbox SET sending_at = ? WHERE id IN (\(Self.placeholders(ids.count))) AND state = 'pending' RETURNING id
            """), arguments: StatementArguments([instant.secondsSinceEpoch]) + StatementArguments(ids)))
    }

    func reschedule(_ id: Int64, attempts: Int, notBefore: Timestamp, reason: String) throws {
        try execute("UPDATE outbox SET attempts = ?, not_before = ?, last_error = ?, sending_at = NULL WHERE id = ? AND state = 'pending'",
                    arguments: [attempts, notBefore.secondsSinceEpoch, reason, id])
    }

    func bringForward(_ id: Int64, to instant: Timestamp) throws {
        try execute("UPDATE outbox SET not_before = ? WHERE id = ? AND state = 'pending' AND not_before > ?",
                    arguments: [instant.secondsSinceEpoch, id, instant.secondsSinceEpoch])
    }

    func bringForwardSetupWaits(on methods: [ContactMethod], to instant: Timestamp) throws -> Int {
        guard !methods.isEmpty else { return 0 }
        // The pending rows' index serves it, not a scan of every row delivered.
        try execute("""
            UPDATE outbox SET not_before = ?
            WHERE state = 'pending' AND not_before > ? AND substr(last_error, 1, ?) = ?
            AND platform IN (\(Self.placeholders(methods.count)))
            """, arguments: [instant.secondsSinceEpoch, instant.secondsSinceEpoch, OutboxItem.setupWaitMark.count, OutboxItem.setupWaitMark]
                + StatementArguments(methods.map(\.rawValue)))
        return db.changesCount
    }

    func reroute(_ id: Int64, to method: ContactMethod, lane: String, attempts: Int, at instant: Timestamp, reason: String) throws {
        try execute("""
            UPDATE outbox SET platform = ?, lane = ?, attempts = ?, not_before = ?, last_error = ?
            WHERE id = ? AND state = 'pending'
            """, arguments: [method.rawValue, lane, attempts, instant.secondsSinceEpoch, reason, id])
    }
}
