import Foundation

/// A TCP relay on loopback to a server's port that a test can cut and open again, as a server
/// restart or a network fault looks from one client: `cut()` resets every connection through
/// it and refuses new ones; `open()` takes connections again on the same port. Played by a
/// Python script (threads, one pair a connection), told what to do on its standard input.
public final class CuttableProxy: @unchecked Sendable {
    public let port: Int
    let process: Process
    let input: Pipe
    let output: FileHandle
    let lock = NSLock()

    public init(to target: Int) async throws {
        port = try TestTools.freePort()
        let script = """
        import socket, struct, sys, threading
        target, port = int(sys.argv[1]), int(sys.argv[2])
        lock = threading.Lock(); conns = []
        def pump(a, b):
            try:
                while True:
                    d = a.recv(65536)
                    if not d: break
                    b.sendall(d)
            except OSError: pass
            for x in (a, b):
                try: x.shutdown(socket.SHUT_RDWR)
                except OSError: pass
        # A connection accepted as the relay is cut must not outlive the cut: each listener has
        # a generation, and one accepted under an older one is reset at once.
        generation = [0]
        def serve(s, mine):
            while True:
                try: c, _ = s.accept()
                except OSError: return
                with lock:
                    try:
                        if mine != generation[0]: raise OSError()
                        u = socket.create_connection(("127.0.0.1", target))
                    except OSError:
                        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close(); continue
                    conns.extend([c, u])
                threading.Thread(target=pump, args=(c, u), daemon=True).start()
                threading.Thread(target=pump, args=(u, c), daemon=True).start()
        def listen():
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port)); s.listen(64)
            threading.Thread(target=serve, args=(s, generation[0]), daemon=True).start()
            return s
        s = listen(); print("open", flush=True)
        for line in sys.stdin:
            if line.strip() == "cut" and s:
                s.shutdown(socket.SHUT_RDWR); s.close(); s = None
                with lock:
                    generation[0] += 1
                    for c in conns:
                        try:
                            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
                        except OSError: pass
                    conns.clear()
                print("cut", flush=True)
            elif line.strip() == "open":
                if not s: s = listen()
                print("open", flush=True)
        """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(target), String(port)]
        input = Pipe()
        let stdout = Pipe()
        process.standardInput = input
        process.standardOutput = stdout
        try process.run()
        output = stdout.fileHandleForReading
        try await expect("open")
    }

    /// Resets every connection and refuses new ones, until `open()`.
    public func cut() async throws { try await tell("cut") }

    /// Takes connections again.
    public func open() async throws { try await tell("open") }

    func tell(_ command: String) async throws {
        try input.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))
        try await expect(command)
    }

    /// Waits for the script's line saying it did `word`.
    func expect(_ word: String) async throws {
        let line = try await TestTools.offPool { [output, lock] in
            lock.lock()
            defer { lock.unlock() }
            var bytes: [UInt8] = []
            while let byte = try output.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") { bytes.append(byte) }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard line == word else {
            stop()
            throw TestTools.Failure("the proxy to a test server did not \(word) (it said \"\(line)\")")
        }
    }

    public func stop() {
        if process.isRunning { process.terminate() }
    }

    deinit { stop() }
}
