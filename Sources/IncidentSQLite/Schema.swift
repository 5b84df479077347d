import GRDB
import IncidentCore
import IncidentEngine
import IncidentRules
import IncidentStorage

/// Every migration of the database, in order. A migration, once shipped, never changes: a
/// new need is a new migration.
public enum Schema {
    /// The migration names, oldest first.
    public static var versions: [String] { migrator.migrations }

    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: incidents, timeline, outbox, seen events, rooms") { db in
            try db.execute(sql: """
                CREATE TABLE counter (
                    name TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                );
                CREATE TABLE incident (
                    number INTEGER PRIMARY KEY,
                    room TEXT NOT NULL UNIQUE,
                    title TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    phase TEXT NOT NULL,
                    home TEXT NOT NULL,
                    declared_at INTEGER NOT NULL,
                    next_due INTEGER,
                    state TEXT NOT NULL
                );
                CREATE INDEX incident_next_due ON incident(next_due) WHERE next_due IS NOT NULL;
                CREATE INDEX incident_open ON incident(phase, number);
                CREATE TABLE timeline (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident INTEGER NOT NULL REFERENCES incident(number),
                    at INTEGER NOT NULL,
                    author TEXT,
                    kind TEXT NOT NULL,
                    text TEXT NOT NULL
                );
                CREATE INDEX timeline_incident ON timeline(incident, id);
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL UNIQUE,
                    incident INTEGER,
                    platform TEXT NOT NULL,
                    lane TEXT NOT NULL,
                    job TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    not_before INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    last_error TEXT
                );
                CREATE INDEX outbox_pending ON outbox(id) WHERE state = 'pending';
                CREATE TABLE seen_event (
                    platform TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    seen_at INTEGER NOT NULL,
                    PRIMARY KEY (platform, event_id)
                ) WITHOUT ROWID;
                CREATE INDEX seen_event_at ON seen_event(seen_at);
                CREATE TABLE room (
                    platform TEXT NOT NULL,
                    room_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    incident INTEGER NOT NULL REFERENCES incident(number),
                    PRIMARY KEY (platform, room_id),
                    UNIQUE (platform, incident)
                );
                """)
        }
        migrator.registerMigration("v2: participants, sync tokens") { db in
            try db.execute(sql: """
                CREATE TABLE participant (
                    incident INTEGER NOT NULL REFERENCES incident(number),
                    role TEXT NOT NULL,
                    person TEXT NOT NULL,
                    PRIMARY KEY (incident, role)
                );
                CREATE INDEX participant_person ON participant(person);
                CREATE TABLE sync_token (
                    platform TEXT PRIMARY KEY,
                    token TEXT NOT NULL
                );
                """)
            // Incidents stored before v2 get their roles from their state.
            // (Their state is format 1, the record with its policy inside.)
            let records = SQLiteRecords(db: db, policies: PolicySnapshots())
            for row in try Row.fetchAll(db, sql: "SELECT number, state FROM incident") {
                let record = try StateCoding.decode(IncidentRecord.self, row["state"])
                try records.saveParticipants(number: record.number, roles: record.roles)
            }
        }
        migrator.registerMigration("v3: pending outbox by lane") { db in
            // Delivery reads the first items of every lane, so no lane is hidden behind another.
            try db.execute(sql: "CREATE INDEX outbox_pending_lane ON outbox(lane, id) WHERE state = 'pending'")
        }
        migrator.registerMigration("v4: room names by name") { db in
            // A declaration looks up only the names of its own day, not every name ever used.
            try db.execute(sql: "CREATE INDEX room_name ON room(name)")
        }
        migrator.registerMigration("v5: policies stored once, incidents as records") { db in
            // An incident's state was the whole incident with its policy (format 1); it becomes
            // an `IncidentRecord` (format 2) referring to its policy, stored once by digest.
            try db.execute(sql: """
                CREATE TABLE policy (
                    digest TEXT PRIMARY KEY,
                    body TEXT NOT NULL
                ) WITHOUT ROWID;
                ALTER TABLE incident ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE incident ADD COLUMN policy TEXT REFERENCES policy(digest);
                """)
            let records = SQLiteRecords(db: db, policies: PolicySnapshots())
            for row in try Row.fetchAll(db, sql: "SELECT number, state FROM incident WHERE format = 1") {
                let record = try StateCoding.decode(IncidentRecord.self, row["state"])
                guard let policy = record.policy else {
                    throw CorruptRow(description: "incident \(record.number) has no policy")
                }
                var current = record
                current.policy = nil
                // Format 2, what this migration makes: a record with none of format 3's keys.
                try db.execute(sql: "UPDATE incident SET state = ?, format = 2, policy = ? WHERE number = ?",
                               arguments: [try StateCoding.encode(current),
                                           try records.policyDigest(policy), record.number])
            }
        }
        migrator.registerMigration("v6: unfinished outbox by method") { db in
            // The metrics count what waits and what was given up, by method, at every scrape,
            // without reading the delivered rows.
            try db.execute(sql: "CREATE INDEX outbox_unfinished ON outbox(platform, state) WHERE state <> 'delivered'")
        }
        migrator.registerMigration("v7: outbox jobs apart from their rows") { db in
            // Delivery marks every row it sends, and a row held its job's JSON (a kilobyte and
            // more for an announcement): each mark rewrote pages full of text that never
            // changes. The jobs move to a table of their own, written once.
            try db.execute(sql: """
                CREATE TABLE outbox_job (
                    id INTEGER PRIMARY KEY,
                    job TEXT NOT NULL
                );
                INSERT INTO outbox_job (id, job) SELECT id, job FROM outbox;
                ALTER TABLE outbox DROP COLUMN job;
                """)
        }
        migrator.registerMigration("v8: broadcast posts claimed as they are sent") { db in
            // A post delivery is sending is not withdrawn as its incident turns private: the
            // answer counted one that reached the channel 52 ms later as withdrawn.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN sending_at INTEGER")
        }
        return migrator
    }
}
