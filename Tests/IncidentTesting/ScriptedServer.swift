import Foundation

/// A server played by a Python script, for a peer misbehaving as no fake does (an SMTP relay
/// whose reply never ends, a provider that trickles its answer): `body` runs with `c`, the one
/// accepted socket, and `f`, its lines; the connection is held open 5 s after it, then closed.
public struct ScriptedServer {
    public let port: Int
    let process: Process

    public init(_ body: String) async throws {
        // A port found free may be taken by another test's listener before the script binds
        // it, and the script dies: it is tried again on another.
        var failures = 0
        while true {
            do {
                (port, process) = try await Self.start(body)
                return
            } catch is ScriptFailed where failures < 2 {
                failures += 1
            }
        }
    }

    private static func start(_ body: String) async throws -> (Int, Process) {
        let port = try TestTools.freePort()
        let indented = body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
        let script = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
        print("ready", flush=True)
        c, _ = s.accept(); f = c.makefile("rb")
        if True:
        \(indented)
        c.settimeout(5)
        try:
            c.recv(1024)
        except Exception:
            pass
        c.close()
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(port)]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let ready = try await TestTools.offPool { stdout.fileHandleForReading.availableData }
        guard String(decoding: ready, as: UTF8.self).hasPrefix("ready") else {
            process.terminate()
            throw ScriptFailed()
        }
        return (port, process)
    }

    struct ScriptFailed: Error {}

    public func stop() {
        if process.isRunning { process.terminate() }
    }
}
