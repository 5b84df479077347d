#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One bot process per SQLite database: `serve` and `console` hold an exclusive lock on
/// `<database>.lock` (beside the file a symbolic link points to) for as long as they run (the kernel lets go of it when the process ends,
/// however it ends). A second one on the same file would deliver the same outbox twice; it
/// is refused with a one-line reason instead.
public enum DatabaseLock {
    /// The locks this process holds, by path: kept open for its whole life.
    nonisolated(unsafe) static var held: [String: Int32] = [:]
    static let guardLock = NSLock()

    public static func acquire(_ databasePath: String) throws {
        let path = canonical(databasePath) + ".lock"
        guardLock.lock()
        defer { guardLock.unlock() }
        if held[path] != nil { return }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StartupError("cannot open \(path) to lock the database") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            let pid = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw StartupError("another incident-bot (pid \(pid.isEmpty ? "?" : pid)) is using \(databasePath); "
                               + "one process per SQLite database, or both would deliver its outbox")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        held[path] = descriptor
    }

    /// The database's path with symbolic links resolved (the file's, or, while the file is yet
    /// to be made, its folder's and the link's own), so two processes naming one database by
    /// two paths take one lock. A hard link is another name for the file that no path shows:
    /// not caught.
    static func canonical(_ path: String, links: Int = 8) -> String {
        func real(_ path: String) -> String? {
            guard let resolved = realpath(path, nil) else { return nil }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        if let file = real(path) { return file }
        let url = URL(fileURLWithPath: path)
        if links > 0, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            // A link to a file not made yet: the lock goes beside where it will be.
            let resolved = target.hasPrefix("/") ? target : url.deletingLastPathComponent().appendingPathComponent(target).path
            return canonical(resolved, links: links - 1)
        }
        return real(url.deletingLastPathComponent().path).map { $0 + "/" + url.lastPathComponent } ?? path
    }
}
