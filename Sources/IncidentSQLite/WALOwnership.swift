import Foundation
import GRDB
import GRDBSQLite
import IncidentCore

/// Whether the `-wal` beside a backup's copy is the copy's own. Restoring means putting the
/// copy in the database's place and deleting the `-wal` and `-shm` beside it; a `-wal` left
/// there (the bot killed, the copy put over the file, the bot started) is the replaced
/// database's, and SQLite reads it over the copy as if it were the copy's: the copy's state
/// was undone back to the lost database's, unmarked, or the two made a malformed file, and
/// the bot started on either, answered commands and said it was ready.
///
/// Told by the mark (`BackupMark`): nothing but a backup writes or removes it, so read through
/// the copy's own `-wal` it is the mark the file alone holds. Read through another database's,
/// it is gone, another backup's, or unreadable. A copy made without `incident-bot backup`
/// carries no mark and is not checked; neither is a `-wal` whose pages leave the mark's page
/// and the file's first page as they are (the lost database's writes after the backup never
/// grew it), which reads as the copy with some of the lost database's later writes.
enum WALOwnership {
    /// Throws `ForeignWAL` when the database at `path` is a backup's copy and its `-wal` is
    /// another database's. Reads only: the file alone through SQLite's `immutable` (which
    /// leaves the `-wal` unread), then through the `-wal` on a read-only connection, which
    /// never folds a `-wal` into the file.
    static func check(_ path: String) throws {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int,
              size > walHeaderSize,
              let alone = markOfTheFileAlone(path) else { return }
        let throughWAL: BackupMark.Taken?
        do {
            throughWAL = try DatabaseQueue(path: path, configuration: SQLiteStore.readingOnly).read { try BackupMark.read($0) }
        } catch let error as DatabaseError where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) {
            throw ForeignWAL(path: path, mark: alone, malformed: true)
        }
        guard throughWAL == alone else { throw ForeignWAL(path: path, mark: alone, malformed: false) }
    }

    /// A `-wal` of this size or less holds no page.
    static let walHeaderSize = 32

    /// The mark in the database file as it is on disk, its `-wal` unread; nil when it has none
    /// or cannot be read so (what opens it next says why).
    static func markOfTheFileAlone(_ path: String) -> BackupMark.Taken? {
        var connection: OpaquePointer?
        defer { sqlite3_close_v2(connection) }
        guard sqlite3_open_v2(immutableURI(path), &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil) == SQLITE_OK else { return nil }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        // Fails to prepare when there is no mark table.
        guard sqlite3_prepare_v2(connection, BackupMark.selection, -1, &statement, nil) == SQLITE_OK,
              sqlite3_step(statement) == SQLITE_ROW else { return nil }
        return BackupMark.Taken(takenAt: sqlite3_column_int64(statement, 0), newestOutboxID: sqlite3_column_int64(statement, 1))
    }

    /// `path` as a SQLite URI opening the file as it is: `%`, `?` and `#` escaped, as SQLite's
    /// URI filenames need.
    static func immutableURI(_ path: String) -> String {
        var escaped = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": escaped += "%25"
            case "?": escaped += "%3f"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "file:" + escaped + "?immutable=1"
    }

    /// A backup's copy with another database's `-wal` beside it.
    public struct ForeignWAL: Error, CustomStringConvertible {
        public var path: String
        var mark: BackupMark.Taken
        /// The two read together as a malformed database.
        var malformed: Bool

        public var description: String {
            let taken = Timestamp(secondsSinceEpoch: mark.takenAt)
            let read = malformed ? "the two read as a malformed database" : "it undoes the restore"
            return "\(path) is a backup's copy (taken \(taken)) but the \(path)-wal beside it is another database's: \(read); "
                + "nothing was changed. To finish the restore, move \(path)-wal and \(path)-shm away, then start again"
        }
    }
}
