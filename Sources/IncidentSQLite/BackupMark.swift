import GRDB

/// What `incident-bot backup` writes into its copy, and only there: when the copy was taken and
/// the newest outbox item it holds. The database copied may go on delivering those items after
/// the copy; a bot restored from the copy finds the mark and checks each of them against the
/// platform before sending it (`Records.newestOutboxIDAtBackup`), instead of only each lane's
/// first few as after a crash. Outside the migrations on purpose: a backup taken by any version
/// carries it, and a version that does not know it leaves it alone. Nothing but a backup writes
/// it, so a restored database keeps its mark for good (`WALOwnership` relies on that).
enum BackupMark {
    static let table = "backup_mark"

    /// One mark's values.
    struct Taken: Equatable {
        var takenAt: Int64
        var newestOutboxID: Int64
    }

    static let selection = "SELECT taken_at, newest_outbox_id FROM \(table)"

    /// Marks `copy`, replacing a mark the database copied carried from a backup of its own.
    static func write(into copy: Database, takenAt seconds: Int64) throws {
        try copy.execute(sql: """
            CREATE TABLE IF NOT EXISTS \(table) (taken_at INTEGER NOT NULL, newest_outbox_id INTEGER NOT NULL);
            DELETE FROM \(table);
            INSERT INTO \(table) (taken_at, newest_outbox_id) SELECT ?, coalesce(max(id), 0) FROM outbox;
            """, arguments: [seconds])
    }

    /// The database's mark, if it is a backup's copy.
    static func read(_ db: Database) throws -> Taken? {
        guard try db.tableExists(table), let row = try Row.fetchOne(db, sql: selection) else { return nil }
        return Taken(takenAt: row[0], newestOutboxID: row[1])
    }
}
