import Foundation
import PostgresNIO

/// Every migration of the PostgreSQL database, in order; like SQLite's, a migration once
/// shipped never changes. The first is the schema SQLite had reached by its v6, in
/// PostgreSQL's words: room names and lanes compare bytewise (`COLLATE "C"`), as the
/// collision ranges and lane order assume.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1: incidents, timeline, outbox, seen events, rooms, participants, policies, sync tokens", """
            CREATE TABLE counter (
                name TEXT PRIMARY KEY,
                value BIGINT NOT NULL
            );
            CREATE TABLE policy (
                digest TEXT PRIMARY KEY,
                body TEXT NOT NULL
            );
            CREATE TABLE incident (
                number BIGINT PRIMARY KEY,
                room TEXT COLLATE "C" NOT NULL UNIQUE,
                title TEXT NOT NULL,
                severity TEXT NOT NULL,
                phase TEXT NOT NULL,
                home TEXT NOT NULL,
                declared_at BIGINT NOT NULL,
                next_due BIGINT,
                state TEXT NOT NULL,
                format INTEGER NOT NULL,
                policy TEXT REFERENCES policy(digest)
            );
            CREATE INDEX incident_next_due ON incident(next_due) WHERE next_due IS NOT NULL;
            CREATE INDEX incident_open ON incident(phase, number);
            CREATE TABLE timeline (
                id BIGSERIAL PRIMARY KEY,
                incident BIGINT NOT NULL REFERENCES incident(number),
                at BIGINT NOT NULL,
                author TEXT,
                kind TEXT NOT NULL,
                text TEXT NOT NULL
            );
            CREATE INDEX timeline_incident ON timeline(incident, id);
            CREATE TABLE outbox (
                id BIGSERIAL PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                incident BIGINT,
                platform TEXT NOT NULL,
                lane TEXT COLLATE "C" NOT NULL,
                job TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                attempts BIGINT NOT NULL DEFAULT 0,
                not_before BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                finished_at BIGINT,
                last_error TEXT
            );
            CREATE INDEX outbox_pending ON outbox(id) WHERE state = 'pending';
            CREATE INDEX outbox_pending_lane ON outbox(lane, id) WHERE state = 'pending';
            CREATE INDEX outbox_unfinished ON outbox(platform, state) WHERE state <> 'delivered';
            CREATE TABLE seen_event (
                platform TEXT NOT NULL,
                event_id TEXT NOT NULL,
                seen_at BIGINT NOT NULL,
                PRIMARY KEY (platform, event_id)
            );
            CREATE INDEX seen_event_at ON seen_event(seen_at);
            CREATE TABLE room (
                platform TEXT NOT NULL,
                room_id TEXT NOT NULL,
                name TEXT COLLATE "C" NOT NULL,
                incident BIGINT NOT NULL REFERENCES incident(number),
                PRIMARY KEY (platform, room_id),
                UNIQUE (platform, incident)
            );
            CREATE INDEX room_name ON room(name);
            CREATE TABLE participant (
                incident BIGINT NOT NULL REFERENCES incident(number),
                role TEXT NOT NULL,
                person TEXT NOT NULL,
                PRIMARY KEY (incident, role)
            );
            CREATE INDEX participant_person ON participant(person);
            CREATE TABLE sync_token (
                platform TEXT PRIMARY KEY,
                token TEXT NOT NULL
            );
            """),
        ("v2: the leader's lease", """
            CREATE TABLE leader_lease (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                token BIGINT NOT NULL,
                expires_at TIMESTAMPTZ NOT NULL
            );
            """),
        ("v3: broadcast posts claimed as they are sent", """
            ALTER TABLE outbox ADD COLUMN sending_at BIGINT;
            """),
        // Items queued before this column count as queued before any lease ran out: a leader of
        // that time may have sent them.
        ("v4: when each outbox item was queued, and when the lease ran out before its term", """
            ALTER TABLE outbox ADD COLUMN queued_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity';
            ALTER TABLE outbox ALTER COLUMN queued_at SET DEFAULT clock_timestamp();
            ALTER TABLE leader_lease ADD COLUMN earlier_expires_at TIMESTAMPTZ;
            """),
        // No term keeps the mark (`sendable_through_kept_by`, its token) until a version that
        // raises it takes the lease.
        ("v5: the newest outbox item the leaders may have sent", """
            ALTER TABLE leader_lease ADD COLUMN sendable_through BIGINT NOT NULL DEFAULT 0,
                ADD COLUMN sendable_through_kept_by BIGINT;
            """),
    ]

    /// The advisory lock every write transaction takes first, so writes from every replica
    /// follow one another as they do on SQLite's one writer: an event is read, decided and
    /// written with no other write between.
    static let writeLock: Int64 = 0x1_0C1D_E470

    /// Brings the database to the latest schema under the write lock; a database migrated
    /// further by a newer version is refused, untouched. `apply: false` only checks, and
    /// writes and locks nothing, so the commands that read (export, report) run as a role
    /// that may only read, or on a read replica.
    /// `waiting`: called before the wait when another session holds the write lock (another
    /// replica migrating, a long transaction): the wait has no end, and a replica that
    /// waited said nothing and answered no probe.
    ///
    /// A table a migration alters may be held by a long read (a `pg_dump`, a report). Waiting
    /// for it under the write lock stopped every replica's writes, and every read of that
    /// table queued behind the wait: the leader answered `⚠️ Not saved` and paged nobody for
    /// as long as the dump ran. A migration waits at most `tableWait` for a table's lock, then
    /// gives the write lock back and tries again `retryAfter` later; `waitingForTables` is
    /// called once, as it first gives way. `migrated` is called with each migration applied.
    static func migrate(_ statements: PostgresStatements, apply: Bool = true, waiting: () -> Void = {},
                        waitingForTables: () -> Void = {}, migrated: (String) -> Void = { _ in },
                        tableWait: Duration = .milliseconds(500), retryAfter: Duration = .seconds(2)) throws {
        var (gaveWay, saidWaiting) = (false, false)
        let waitingOnce = {
            if !saidWaiting { waiting() }
            saidWaiting = true
        }
        while true {
            do {
                for name in try migrateOnce(statements, apply: apply, waiting: waitingOnce, tableWait: tableWait) { migrated(name) }
                return
            } catch {
                // 55P03: lock_not_available, the table lock not had within `tableWait`.
                guard apply, (error as? PostgresStoreError)?.sqlState == "55P03" else { throw error }
                if !gaveWay { waitingForTables() }
                gaveWay = true
                Thread.sleep(forTimeInterval: retryAfter.fractionalSeconds)
            }
        }
    }

    /// One attempt of `migrate`: the names of the migrations it applied.
    private static func migrateOnce(_ statements: PostgresStatements, apply: Bool, waiting: () -> Void,
                                    tableWait: Duration) throws -> [String] {
        try statements.transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { statements in
            if apply {
                // A migration of a big table may run long, and waits for the replicas' writes.
                try statements.execute("SET LOCAL statement_timeout = 0")
                try statements.execute("SET LOCAL lock_timeout = 0")
                if try statements.rows("SELECT pg_try_advisory_xact_lock(\(writeLock))").first?.decode(Bool.self) != true {
                    waiting()
                    try statements.execute("SELECT pg_advisory_xact_lock(\(writeLock))")
                }
                let milliseconds = Int(tableWait.fractionalSeconds * 1000)
                try statements.execute(PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = \(milliseconds)"))
                try statements.execute("""
                    CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """)
            } else if try statements.rows("SELECT to_regclass('schema_migration') IS NOT NULL").first?.decode(Bool.self) != true {
                throw PostgresStoreError("the database has no incident-bot tables; start serve on it once to make them")
            }
            let applied = Set(try statements.rows("SELECT name FROM schema_migration").map { try $0.decode(String.self) })
            let unknown = applied.subtracting(migrations.map(\.name))
            guard unknown.isEmpty else {
                throw PostgresStoreError("the database was migrated by a newer incident-bot (\(unknown.sorted().joined(separator: ", "))); "
                                         + "run that version or a later one")
            }
            if !apply, let missing = migrations.first(where: { !applied.contains($0.name) }) {
                throw PostgresStoreError("the database was made by an older incident-bot and lacks migration \(missing.name); "
                                         + "start serve of this version to migrate it, or use the version that runs it")
            }
            var done: [String] = []
            for migration in migrations where !applied.contains(migration.name) {
                // One statement a query: the extended protocol takes no more.
                for statement in migration.sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    try statements.execute(PostgresQuery(unsafeSQL: String(statement)))
                }
                try statements.execute("INSERT INTO schema_migration (name) VALUES (\(migration.name))")
                done.append(migration.name)
            }
            return done
        }
    }
}
