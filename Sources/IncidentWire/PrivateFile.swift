#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Files only their owner may read (mode 0600): the database and the kept Matrix token. Each is
/// created with that mode by `open(2)` itself, so it never exists, even for an instant, with
/// wider permissions than that.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Replaces `path` with `contents`: written to a new 0600 file beside it, synced, then
    /// renamed over it, so a reader sees the old file or the whole new one.
    public static func write(_ contents: [UInt8], to path: String) throws(Failure) {
        let temporary = try written(contents, beside: path)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw failure("cannot replace \(path)")
        }
    }

    /// Makes `path` with `contents` unless it exists: false when another process made it first
    /// (whose file stands; a secret two starts made at once must not be replaced by the one
    /// that then stops). Written whole and synced before it appears.
    public static func create(_ contents: [UInt8], at path: String) throws(Failure) -> Bool {
        let temporary = try written(contents, beside: path, named: path + ".new." + String(UInt64.random(in: .min ... .max), radix: 16))
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return true }
        if errno == EEXIST { return false }
        // A file system without hard links: made in place, exclusively (a start reading it in
        // the instant it is written would find it short, and refuse with the file's name).
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0, errno == EEXIST { return false }
        guard descriptor >= 0 else { throw failure("cannot create \(path)") }
        defer { close(descriptor) }
        guard write(contents, to: descriptor), fsync(descriptor) == 0 else {
            unlink(path)
            throw failure("cannot write \(path)")
        }
        return true
    }

    /// Makes `path` as a new empty 0600 file, in one step with the check that nothing is there:
    /// false when something is, a dangling symbolic link included (never followed). Two makers
    /// of one name cannot both think the file theirs.
    public static func createEmpty(at path: String) throws(Failure) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if descriptor < 0, errno == EEXIST { return false }
        guard descriptor >= 0 else { throw failure("cannot create \(path)") }
        close(descriptor)
        return true
    }

    /// Writes all of `contents` to `descriptor`.
    static func write(_ contents: [UInt8], to descriptor: Int32) -> Bool {
        var written = 0
        while written < contents.count {
            let count = contents[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }

    /// `contents` in a new 0600 file beside `path` (`named`, by default `path.new`), synced; its path.
    static func written(_ contents: [UInt8], beside path: String, named: String? = nil) throws(Failure) -> String {
        let temporary = named ?? path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        let synced = write(contents, to: descriptor) && fsync(descriptor) == 0
        close(descriptor)
        guard synced else {
            unlink(temporary)
            throw failure("cannot write \(temporary)")
        }
        return temporary
    }

    /// Makes sure `path` exists private to its owner: created 0600 when missing, narrowed when
    /// an older version or another tool left it readable by others. The owner's own bits stay
    /// as they are: a database its owner made read-only (0444) becomes 0400, not writable.
    public static func ensure(_ path: String) throws(Failure) {
        let descriptor = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot open or create \(path)") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("cannot read the mode of \(path)") }
        if status.st_mode & 0o077 != 0, fchmod(descriptor, status.st_mode & 0o700) != 0 { throw failure("cannot make \(path) private (chmod go-rwx)") }
    }

    /// The file's permission bits (`0o600`), or nil when it does not exist.
    public static func mode(_ path: String) -> UInt32? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return UInt32(status.st_mode & 0o777)
    }

    static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
