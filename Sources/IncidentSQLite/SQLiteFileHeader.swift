import Foundation

/// Whether a file is a SQLite database, told by its first 16 bytes before anything opens it
/// for writing: `--db incident-bot.yaml` is refused as it is, not made 0600 (which locks the
/// service's own user out of its config) with a `.lock` file left beside it.
public enum SQLiteFileHeader {
    static let magic = Data("SQLite format 3\u{0}".utf8)

    /// Throws when `path` is a file with something in it that is not a SQLite database. A
    /// missing or empty file (a database to create) passes, and so does one that cannot be
    /// read: what opens it next says why.
    /// Only a regular file is read, opened without blocking: a FIFO given as `--db` would
    /// otherwise hang the start until something wrote to it.
    public static func check(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR { throw NotADatabase(path: path, isDirectory: true) }
        guard status.st_mode & S_IFMT == S_IFREG else { return }
        var header = [UInt8](repeating: 0, count: magic.count)
        let read = pread(descriptor, &header, header.count, 0)
        guard read > 0 else { return }
        guard Data(header.prefix(read)) == magic else { throw NotADatabase(path: path) }
    }

    /// Whether both paths name one file (the same inode, through links or spellings).
    static func sameFile(_ one: String, _ other: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(one, &first) == 0, stat(other, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    public struct NotADatabase: Error, CustomStringConvertible {
        public let path: String
        /// A directory, not a file: SQLite said only "disk I/O error".
        public var isDirectory = false

        public init(path: String, isDirectory: Bool = false) {
            self.path = path
            self.isDirectory = isDirectory
        }

        public var description: String {
            isDirectory ? "\(path) is a directory; --db names the database file in it (like \(path)/incident-bot.sqlite)"
                : "\(path) is not a SQLite database, and is left as it is; does --db name another file (the config, a policy)?"
        }
    }
}
