import Foundation

/// Whether a file is a SQLite database, told by its first 16 bytes before anything opens it
/// for writing: `--db incident-bot.yaml` is refused as it is, not made 0600 (which locks the
/// service's own user out of its config) with a `.lock` file left beside it.
public enum SQLiteFileHeader {
    static let magic = Data("SQLite format 3\u{0}".utf8)

    /// Throws when `path` is a file with something in it that is not a SQLite database, a
    /// directory, or anything but a regular file (a device, a pipe, a socket). A missing or
    /// empty file (a database to create) passes, and so does one that cannot be read: what
    /// opens it next says why. Told by `stat` before anything opens it: as root, `--db
    /// /dev/sdb` had SQLite write a database over the disk's first pages, `--db /dev/null`
    /// made the host's /dev/null 0600, and a FIFO hung the read-only commands for good.
    public static func check(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw NotADatabase(path: path, kind: .directory)
        default: throw NotADatabase(path: path, kind: .notAFile)
        }
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        // Swapped for something else since the `stat`: read only what is still a regular file.
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { throw NotADatabase(path: path, kind: .notAFile) }
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
        public var kind: Kind

        public enum Kind: Sendable {
            /// A file with something else in it.
            case otherContent
            /// A directory: SQLite said only "disk I/O error".
            case directory
            /// A device, a pipe or a socket.
            case notAFile
        }

        public init(path: String, kind: Kind = .otherContent) {
            self.path = path
            self.kind = kind
        }

        public var description: String {
            switch kind {
            case .directory: "\(path) is a directory; --db names the database file in it (like \(path)/incident-bot.sqlite)"
            case .notAFile: "\(path) is not a regular file (a device, a pipe or a socket), and is left as it is; --db names a SQLite database file"
            case .otherContent: "\(path) is not a SQLite database, and is left as it is; does --db name another file (the config, a policy)?"
            }
        }
    }
}
