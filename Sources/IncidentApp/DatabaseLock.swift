#if canImport(Glibc)
import Glibc
#endif
import Foundation
import IncidentSQLite

/// One bot process per SQLite database: `serve` and `console` hold an exclusive lock on the
/// database file itself (by its inode, so a hard link is the same file) and on
/// `<database>.lock` beside it (beside the file a symbolic link points to), which holds the
/// holder's pid for the refusal, for as long as they run (the kernel lets go of both when the
/// process ends, however it ends). A second process on the same file would deliver the same
/// outbox twice; it is refused with a one-line reason instead, even when someone deleted the
/// `.lock` file taking it for a stale pid file. The lock is `flock(2)`, which on Linux (on a
/// local disk, where a WAL database must be) does not touch the `fcntl(2)` locks SQLite takes
/// on the same file; elsewhere (macOS, where the two interact and SQLite would lock itself
/// out) only the `.lock` file is locked.
public enum DatabaseLock {
    /// The locks this process holds, by path: kept open for its whole life.
    nonisolated(unsafe) static var held: [String: Int32] = [:]
    /// The file each path given to `acquire` named then: a symbolic link repointed later
    /// names another file, which is what `replaced` looks for.
    nonisolated(unsafe) static var files: [String: String] = [:]
    static let guardLock = NSLock()
    /// The files `acquire` made (the `.lock`, and the database file where there was none),
    /// which `release` takes away again.
    nonisolated(unsafe) static var made: Set<String> = []

    public static func acquire(_ databasePath: String) throws {
        let file = DatabaseLocation.canonical(databasePath)
        let path = file + DatabaseLocation.Companion.lock.rawValue
        guardLock.lock()
        defer { guardLock.unlock() }
        if held[path] != nil { return }
        // Before the lock opens (or creates) anything: a file that is no database is refused
        // as it is, with no `.lock` beside it.
        do {
            try SQLiteFileHeader.check(file)
        } catch let refused as SQLiteFileHeader.NotADatabase {
            throw StartupError(SQLiteFileHeader.NotADatabase(path: databasePath, kind: refused.kind).description)
        }
        func refusal(_ pid: String) -> StartupError {
            StartupError("another incident-bot (pid \(pid.isEmpty ? "?" : pid)) is using \(databasePath); "
                         + "one process per SQLite database, or both would deliver its outbox")
        }
        let madeDatabase = !DatabaseLocation.isThere(file), madeLock = !DatabaseLocation.isThere(path)
        #if os(Linux)
        // Taken before SQLite opens the file, and its descriptor never closed while SQLite has
        // it open (closing one would drop SQLite's fcntl locks): refused, this process has not
        // opened the database yet.
        let database = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard database >= 0 else { throw StartupError("cannot open \(databasePath) to lock it: \(String(cString: strerror(errno)))") }
        guard flock(database, LOCK_EX | LOCK_NB) == 0 else {
            // By another name (a hard link), the `.lock` beside it is another file: the
            // kernel's table of locks names who holds the database's.
            let pid = holder(path)
            let named = pid.isEmpty ? flockHolder(database) : pid
            close(database)
            throw refusal(named)
        }
        #else
        let database: Int32 = -1
        #endif
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            if database >= 0 { close(database) }
            throw StartupError("cannot open \(path) to lock the database: \(reason)")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            if database >= 0 { close(database) }
            close(descriptor)
            throw refusal(holder(path))
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        if database >= 0 { held[file] = database }
        held[path] = descriptor
        files[databasePath] = file
        if madeDatabase { made.insert(file) }
        if madeLock { made.insert(path) }
    }

    /// Lets go of the locks on `databasePath` when the database could not be opened after all
    /// (a newer version's, a damaged one): the `.lock` this process made is taken away, and the
    /// database file too where it made it and nothing was written, so a refused start leaves
    /// the folder as it found it.
    public static func release(_ databasePath: String) {
        guardLock.lock()
        defer { guardLock.unlock() }
        guard let file = files.removeValue(forKey: databasePath) else { return }
        let path = file + DatabaseLocation.Companion.lock.rawValue
        if made.remove(path) != nil { unlink(path) }
        if made.remove(file) != nil {
            var status = stat()
            if stat(file, &status) == 0, status.st_size == 0 { unlink(file) }
        }
        for held in [path, file] {
            if let descriptor = Self.held.removeValue(forKey: held) { close(descriptor) }
        }
    }

    /// Why the file at `databasePath` is no longer the database this process holds open, or nil
    /// while it is (or where the lock holds no descriptor of the file itself: off Linux). The
    /// path is followed as it is now, symbolic links included, and compared with the file it
    /// named when the lock was taken. A
    /// backup moved over the path, or the file deleted, while the bot runs leaves it writing
    /// to a file no path names: whatever it acknowledges from then on is gone when it stops.
    public static func replaced(_ databasePath: String) -> String? {
        guardLock.lock()
        let descriptor = held[files[databasePath] ?? DatabaseLocation.canonical(databasePath)]
        guardLock.unlock()
        guard let descriptor else { return nil }
        var open = stat(), named = stat()
        guard fstat(descriptor, &open) == 0 else { return nil }
        let restart = "what is written now is lost when the bot stops; stop it, put the database back, and start it again"
        guard stat(databasePath, &named) == 0 else {
            return "\(databasePath) was deleted or moved under the running bot (\(String(cString: strerror(errno)))): \(restart)"
        }
        guard open.st_dev == named.st_dev, open.st_ino == named.st_ino else {
            return "\(databasePath) was replaced under the running bot (another file is at its path): \(restart)"
        }
        return nil
    }

    /// The pid the lock file names, or "" when it names none (deleted, or not written yet).
    static func holder(_ lockPath: String) -> String {
        let descriptor = open(lockPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The pid holding a `flock` on the file open at `descriptor`, from `/proc/locks`
    /// (`1: FLOCK ADVISORY WRITE 1234 fe:00:5678 0 EOF`, the device as major:minor in hex), or
    /// "" when none is listed.
    static func flockHolder(_ descriptor: Int32) -> String {
        var file = stat()
        guard fstat(descriptor, &file) == 0, let table = procLocks() else { return "" }
        // glibc's `major` and `minor`, macros Swift does not import.
        let dev = UInt64(file.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)
        let minor = (dev & 0xff) | ((dev >> 12) & ~0xff)
        let device = String(format: "%02llx:%02llx:%llu", major, minor, UInt64(file.st_ino))
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", fields[5] == device, !fields[0].hasSuffix("->") else { continue }
            return String(fields[4])
        }
        return ""
    }

    /// `/proc/locks` read to its end: its size reads as 0, and a read sized by it stopped at
    /// the first page, before this lock's line on a host holding many.
    static func procLocks() -> String? {
        let table = open("/proc/locks", O_RDONLY | O_CLOEXEC)
        guard table >= 0 else { return nil }
        defer { close(table) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(table, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes += chunk.prefix(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
