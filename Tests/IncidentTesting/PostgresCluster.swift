import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A real PostgreSQL server for the tests: a private cluster made with Debian's `initdb` under
/// `.build/test-tools/postgres/` on first use and started with `pg_ctl` on a free loopback port,
/// trust authentication, fsync on, TLS offered (not required) with a certificate from a private
/// CA (`TestCertificates`, in `tls/`). One cluster per test process; each test takes a database
/// of its own (`database()`). As root (CI) the server runs as the `postgres` user Debian's
/// package creates, since PostgreSQL refuses to run as root (its folder is given to that user). Fails with the server's log when
/// it cannot start; never skipped.
public final class PostgresCluster: Sendable {
    public let port: Int
    public let folder: URL
    /// The PEM file of the CA that signed the server's certificate.
    public var certificateAuthority: String { folder.appendingPathComponent("tls/ca.crt").path }
    /// The PEM file of a CA that signed nothing this server has.
    public var otherAuthority: String { folder.appendingPathComponent("tls/other-ca.crt").path }
    let bin: String
    let user: String?

    static let shared = Mutex<Task<PostgresCluster, any Error>?>(nil)

    /// The process's cluster, started on first use.
    public static func get() async throws -> PostgresCluster {
        let task = shared.withLock { task in
            if let task { return task }
            let started = Task { try await TestTools.offPool { try PostgresCluster() } }
            task = started
            return started
        }
        return try await task.value
    }

    init() throws {
        guard let bin = Self.serverBin() else {
            throw TestTools.Failure("no PostgreSQL server: install Debian's postgresql package (.ci/run does)")
        }
        self.bin = bin
        user = getuid() == 0 ? "postgres" : nil
        folder = TestConfig.repository.appendingPathComponent(".build/test-tools/postgres-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let user { try TestTools.run("/bin/chown", [user, folder.path]) }
        let data = folder.appendingPathComponent("data").path
        try Self.runAsServer("initdb", bin: bin, user: user, folder: folder, ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
        // The server reads its key only if the key is its user's alone.
        let tls = folder.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: tls, withIntermediateDirectories: true)
        try TestCertificates.make(in: tls)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tls.appendingPathComponent("server.key").path)
        if let user { try TestTools.run("/bin/chown", ["-R", user, tls.path]) }
        let tlsOptions = "-c ssl=on -c ssl_cert_file=\(tls.path)/server.crt -c ssl_key_file=\(tls.path)/server.key"
        // Sockets in the cluster's folder (not /run/postgresql, which may not exist), loopback only.
        // A free port can be taken by another test's listener before the server binds it: then
        // another port is tried (the server's log says "Address already in use").
        let log = folder.appendingPathComponent("server.log")
        var attempt = 0
        while true {
            attempt += 1
            let port = try TestTools.freePort()
            do {
                try Self.runAsServer("pg_ctl", bin: bin, user: user, folder: folder, ["-D", data, "-l", log.path, "-w", "-t", "60",
                                     "-o", "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c max_connections=200 \(tlsOptions)", "start"])
                self.port = port
                break
            } catch {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                guard attempt < 5, text.contains("Address already in use") else { throw error }
                try? FileManager.default.removeItem(at: log)
            }
        }
        Self.stopAtExit(self)
    }

    /// `postgres://postgres@127.0.0.1:PORT/NAME`.
    public func url(_ database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

    /// A new, empty database of its own for one test; its name.
    public func database(_ prefix: String = "test") throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL as the superuser on `database`; its output, unaligned.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let out = try TestTools.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database,
                                                      "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a server program as the server's user, its output to a file. Through posix_spawn
    /// and waitpid, not Foundation's Process: `pg_ctl start` leaves the server running, and
    /// Process waits for every descendant, so it would never return.
    func runAsServer(_ program: String, _ arguments: [String]) throws {
        try Self.runAsServer(program, bin: bin, user: user, folder: folder, arguments)
    }

    /// `program` of the server's as its user, its output in the cluster's folder.
    static func runAsServer(_ program: String, bin: String, user: String?, folder: URL, _ arguments: [String]) throws {
        let output = folder.appendingPathComponent("\(program).log").path
        let argv = (user.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--init-groups"] } ?? [])
            + ["\(bin)/\(program)"] + arguments
        let pid = try Self.spawn(argv, output: output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else {
            let logs = [output, folder.appendingPathComponent("server.log").path].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            throw TestTools.Failure("PostgreSQL \(program) failed (status \(status)): \(logs.joined(separator: "\n").suffix(800))")
        }
    }

    /// The newest installed server's programs: /usr/lib/postgresql/<version>/bin.
    static func serverBin() -> String? {
        let root = "/usr/lib/postgresql"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in names.compactMap({ Int($0) }).sorted().reversed() {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/pg_ctl") { return bin }
        }
        return nil
    }

    /// A watchdog shell that stops the server and removes its folder once this test process
    /// is gone, however it ended (XCTest's exit skips atexit handlers; a crash runs none).
    static func stopAtExit(_ cluster: PostgresCluster) {
        let setpriv = cluster.user.map { "/usr/bin/setpriv --reuid=\($0) --regid=\($0) --init-groups " } ?? ""
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; "
            + "\(setpriv)\(cluster.bin)/pg_ctl -D '\(cluster.folder.path)/data' -m immediate stop; rm -rf '\(cluster.folder.path)'"
        _ = try? spawn(["/usr/bin/setsid", "/bin/sh", "-c", script], output: "/dev/null")
    }

    /// Starts `argv` with standard input from /dev/null, its output to `output` and no other
    /// descriptor; its pid.
    static func spawn(_ argv: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process's: a server that kept the write end of another test's
        // pipe would keep that test waiting for its end forever.
        guard let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            throw TestTools.Failure("this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later has)")
        }
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw TestTools.Failure("cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        return pid
    }
}
