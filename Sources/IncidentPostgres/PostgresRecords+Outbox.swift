import IncidentCore
import IncidentEngine
import IncidentStorage
import PostgresNIO

/// The outbox on PostgreSQL: what is queued, read, delivered, given up, withdrawn, retried.
extension PostgresRecords {
    static let outboxItem = RowTarget("outbox", """
        INSERT INTO outbox (key, incident, platform, lane, job, not_before, created_at) {rows} ON CONFLICT (key) DO NOTHING
        """, types: ["text", "bigint", "text", "text", "text", "bigint", "bigint"])

    func enqueue(_ items: [OutboxItem]) throws {
        for item in items {
            let job = StateCoding.encodeJob(item.job)
            sql.writeRow(Self.outboxItem) { row in
                row.append(item.key)
                row.append(item.incident)
                row.append(item.method.rawValue)
                row.append(item.lane)
                row.append(job)
                row.append(item.notBefore.secondsSinceEpoch)
                row.append(item.createdAt.secondsSinceEpoch)
            }
            changes?.queued(on: item.method)
        }
    }

    /// Outbox rows by `clause` (after FROM), each decoded or with why it cannot be.
    func outboxResults(_ clause: PostgresQuery) throws -> [Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow>] {
        try outboxResults(statement: PostgresQuery(unsafeSQL: "SELECT \(OutboxRow.columns) FROM outbox " + clause.sql, binds: clause.binds))
    }

    /// Outbox rows from a statement that selects `OutboxRow.columns`, each decoded or with why
    /// it cannot be.
    func outboxResults(statement: PostgresQuery) throws -> [Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow>] {
        try sql.rows(statement).map { row in
            let (id, key, incident, method, lane, job, state, attempts, notBefore, createdAt, lastError) =
                try row.decode((Int64, String, Int?, String, String, String, String, Int, Int64, Int64, String?).self)
            return OutboxRow(id: id, key: key, incident: incident, method: method, lane: lane, job: job, state: state, attempts: attempts,
                             notBefore: notBefore, createdAt: createdAt, lastError: lastError).decoded(jobs: jobs)
        }
    }

    func pendingOutbox(limit: Int) throws -> [OutboxItem] {
        try outboxResults("WHERE state = 'pending' ORDER BY id LIMIT \(limit)").compactMap { try? $0.get().0 }
    }

    func latestOutboxID() throws -> Int64 {
        try sql.value(Int64?.self, "SELECT max(id) FROM outbox").flatMap { $0 } ?? 0
    }

    /// `pg_dump` makes no mark: a restored PostgreSQL database doubts only what any start does.
    func newestOutboxIDAtBackup() throws -> Int64? { nil }

    func noteReadinessCheck(at instant: Timestamp) throws {
        sql.send("""
            INSERT INTO counter (name, value) VALUES ('readiness_check', \(instant.secondsSinceEpoch))
            ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """)
    }

    /// As on SQLite, in one statement: the lanes with pending items by a loose index scan, then
    /// each lane's head by a lateral seek in the pending-by-lane index.
    func outboxHeads(perLane: Int) throws -> OutboxHeads {
        OutboxHeads(lanes: try outboxResults(statement: """
            WITH RECURSIVE lanes(pending_lane) AS (
                SELECT (SELECT min(lane) FROM outbox WHERE state = 'pending')
                UNION ALL
                SELECT (SELECT min(o.lane) FROM outbox o WHERE o.state = 'pending' AND o.lane > lanes.pending_lane)
                FROM lanes WHERE lanes.pending_lane IS NOT NULL
            )
            SELECT \(unescaped: OutboxRow.columns) FROM lanes CROSS JOIN LATERAL (
                SELECT * FROM outbox WHERE state = 'pending' AND outbox.lane = lanes.pending_lane ORDER BY id LIMIT \(perLane)
            ) AS heads
            """))
    }

    func unfinishedOutbox() throws -> [OutboxCount] {
        try sql.rows("SELECT platform, state, count(*) FROM outbox WHERE state <> 'delivered' GROUP BY platform, state").compactMap { row in
            let (method, state, count) = try row.decode((String, String, Int).self)
            guard let parsed = OutboxItem.State(rawValue: state) else { return nil }
            return OutboxCount(method: method, state: parsed, count: count)
        }
    }

    func outboxListing(_ state: OutboxItem.State, limit: Int) throws -> [OutboxListing] {
        let order = state == .pending ? "id" : "finished_at DESC, id DESC"
        let rows = try sql.rows(PostgresQuery(unsafeSQL: """
            SELECT id, key, platform, attempts, not_before, finished_at, last_error FROM outbox WHERE state = $1 ORDER BY \(order) LIMIT $2
            """, binds: try binds(state.rawValue, limit))).map { try $0.decode((Int64, String, String, Int, Int64, Int64?, String?).self) }
        var items: [Int64: OutboxItem] = [:]
        if !rows.isEmpty {
            let ids = rows.map(\.0)
            for case .success(let (item, _)) in try outboxResults("WHERE id = ANY(\(ids))") { items[item.id ?? 0] = item }
        }
        return rows.map { id, key, method, attempts, notBefore, finishedAt, lastError in
            OutboxListing(key: key, method: method, state: state, attempts: attempts, notBefore: notBefore, finishedAt: finishedAt,
                          lastError: lastError, decoded: items[id])
        }
    }

    private func binds(_ text: String, _ number: Int) throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(text)
        binds.append(number)
        return binds
    }

    func retryOutbox(key: String, at instant: Timestamp) throws -> Bool {
        try sql.execute("""
            UPDATE outbox SET state = 'pending', attempts = 0, not_before = \(instant.secondsSinceEpoch), finished_at = NULL,
                sending_at = CASE WHEN state = 'pending' THEN sending_at END
            WHERE key = \(key) AND state <> 'delivered' AND (last_error IS NULL OR NOT starts_with(last_error, \(OutboxItem.withdrawnMark)))
            """) > 0
    }

    func dropOutbox(key: String, reason: String, at instant: Timestamp) throws -> Bool {
        try sql.execute("""
            UPDATE outbox SET state = 'failed', finished_at = \(instant.secondsSinceEpoch), last_error = \(reason)
            WHERE key = \(key) AND state = 'pending'
            """) > 0
    }

    func outboxItem(key: String) throws -> OutboxItem? {
        try outboxResults("WHERE key = \(key) LIMIT 1").first.flatMap { try? $0.get().0 }
    }

    func outboxItemWithState(key: String) throws -> (item: OutboxItem, state: OutboxItem.State)? {
        try outboxResults("WHERE key = \(key) LIMIT 1").first.flatMap { try? $0.get() }
    }

    func finishedOutbox(limit: Int) throws -> [(OutboxItem, OutboxItem.State)] {
        try outboxResults("WHERE state <> 'pending' ORDER BY finished_at, id LIMIT \(limit)").map { try $0.get() }
    }

    /// An item is marked delivered once in a transaction: were one id in a batch twice, the
    /// server would take either row's time.
    static let deliveredItem = RowTarget("outbox", """
        UPDATE outbox SET state = 'delivered', finished_at = done.at FROM ({rows}) AS done (id, at)
        WHERE outbox.id = done.id AND outbox.state = 'pending'
        """, types: ["bigint", "bigint"])

    func markDelivered(_ id: Int64, at instant: Timestamp) throws {
        sql.writeRow(Self.deliveredItem) { row in
            row.append(id)
            row.append(instant.secondsSinceEpoch)
        }
        changes?.finished([id])
    }

    func markFailed(_ id: Int64, attempts: Int?, reason: String, at instant: Timestamp) throws {
        sql.send("""
            UPDATE outbox SET state = 'failed', finished_at = \(instant.secondsSinceEpoch), last_error = \(reason),
                attempts = coalesce(\(attempts), attempts)
            WHERE id = \(id) AND state = 'pending'
            """)
        changes?.finished([id])
    }

    func withdrawBroadcasts(incident: Int, reason: String, at instant: Timestamp) throws -> BroadcastWithdrawal {
        // As on SQLite: the unfinished rows' index serves it, not a scan of every row delivered.
        // Waited for (it is counted), but only as an incident turns private.
        var result = BroadcastWithdrawal()
        for platform in Platform.allCases {
            let lane = OutboxItem.broadcastLane(platform)
            result.withdrawn += try sql.execute("""
                UPDATE outbox SET state = 'failed', finished_at = \(instant.secondsSinceEpoch), last_error = \(reason)
                WHERE platform = \(platform.rawValue) AND state <> 'delivered' AND incident = \(incident) AND lane = \(lane)
                AND (state <> 'pending' OR sending_at IS NULL)
                AND (last_error IS NULL OR NOT starts_with(last_error, \(OutboxItem.withdrawnMark)))
                """)
            result.beingSent += try sql.rows("""
                SELECT count(*) FROM outbox
                WHERE platform = \(platform.rawValue) AND state = 'pending' AND incident = \(incident) AND lane = \(lane)
                AND sending_at IS NOT NULL
                """).first?.decode(Int.self) ?? 0
        }
        return result
    }

    func releaseSendingClaims(_ ids: [Int64]) throws {
        sql.send("UPDATE outbox SET sending_at = NULL WHERE id = ANY(\(ids)) AND state = 'pending'")
    }

    func claimForSending(_ ids: [Int64], at instant: Timestamp) throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return Set(try sql.rows("""
            UPDATE outbox SET sending_at = \(instant.secondsSinceEpoch) WHERE id = ANY(\(ids)) AND state = 'pending' RETURNING id
            """).map { try $0.decode(Int64.self) })
    }

    func bringForward(_ id: Int64, to instant: Timestamp) throws {
        sql.send("""
            UPDATE outbox SET not_before = \(instant.secondsSinceEpoch)
            WHERE id = \(id) AND state = 'pending' AND not_before > \(instant.secondsSinceEpoch)
            """)
    }

    func bringForwardSetupWaits(on methods: [ContactMethod], to instant: Timestamp) throws -> Int {
        try sql.execute("""
            UPDATE outbox SET not_before = \(instant.secondsSinceEpoch)
            WHERE state = 'pending' AND not_before > \(instant.secondsSinceEpoch)
            AND starts_with(last_error, \(OutboxItem.setupWaitMark)) AND platform = ANY(\(methods.map(\.rawValue)))
            """)
    }

    func reschedule(_ id: Int64, attempts: Int, notBefore: Timestamp, reason: String) throws {
        sql.send("""
            UPDATE outbox SET attempts = \(attempts), not_before = \(notBefore.secondsSinceEpoch), last_error = \(reason), sending_at = NULL
            WHERE id = \(id) AND state = 'pending'
            """)
    }

    func reroute(_ id: Int64, to method: ContactMethod, lane: String, attempts: Int, at instant: Timestamp, reason: String) throws {
        sql.send("""
            UPDATE outbox SET platform = \(method.rawValue), lane = \(lane), attempts = \(attempts),
                not_before = \(instant.secondsSinceEpoch), last_error = \(reason)
            WHERE id = \(id) AND state = 'pending'
            """)
    }
}
