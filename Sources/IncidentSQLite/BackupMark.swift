import GRDB

/// What `incident-bot backup` writes into its copy, and only there: when the copy was taken and
/// the newest outbox item it holds. The database copied may go on delivering those items after
/// the copy; a bot restored from the copy finds the mark and checks each of them against the
/// platform before sending it (`Records.newestOutboxIDAtBackup`), instead of only each lane's
/// first few as after a crash. Outside the migrations on purpose: a backup taken by any version
/// carries it, and a version that does not know it leaves it alone.
enum BackupMark {
    static let table = "backup_mark"

    /// Marks `copy`, replacing a mark the database copied carried from a backup of its own.
    static func write(into copy: Database, takenAt seconds: Int64) throws {
        try copy.execute(sql: """
            CREATE TABLE IF NOT EXISTS \(table) (taken_at INTEGER NOT NULL, newest_outbox_id INTEGER NOT NULL);
            DELETE FROM \(table);
            INSERT INTO \(table) (taken_at, newest_outbox_id) SELECT ?, coalesce(max(id), 0) FROM outbox;
            """, arguments: [seconds])
    }
}
