import IncidentEngine
import IncidentSQLite
import Logging

/// What a process does with its store once it has stopped cleanly (SIGTERM or SIGINT to
/// `serve`, `:quit` or the end of input to the console).
enum StoppedStore {
    /// On SQLite, every commit folded into the database file and the WAL emptied, so the file
    /// is whole on its own for whoever copies it next. Nothing is lost if it fails: the next
    /// start reads the WAL as it is.
    static func settle(_ store: any IncidentStore, logger: Logger) async {
        guard let sqlite = store as? SQLiteStore else { return }
        do {
            try await sqlite.foldWAL()
        } catch {
            logger.warning("the database's WAL was left as it is at the stop; the next start reads it", metadata: ["error": "\(error)"])
        }
    }
}
