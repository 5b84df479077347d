import Foundation
import Synchronization

/// A real SMTP server for the tests: aiosmtpd from PyPI, installed under `.build/test-tools/`
/// on first use, on a free port of 127.0.0.1. With `tls`, it offers STARTTLS with a
/// certificate for `localhost` from a private CA (`TestCertificates`; `certificate` is the CA's
/// PEM, what the bot is told to trust), requires it before anything else, and takes AUTH only from
/// `users`. Every mail it accepts is kept, as received.
public final class MailServer: Sendable {
    public static let aiosmtpdVersion = "1.4.6"

    /// A mail as the server received it.
    public struct Mail: Sendable {
        public var from: String
        public var to: [String]
        /// The raw message, headers and body.
        public var data: String
        /// Who logged in to send it (nil: nobody).
        public var login: String?
        /// Whether it came over TLS.
        public var overTLS: Bool
        /// The name the client greeted with (`EHLO name`).
        public var greeting: String = ""

        /// The decoded text of a base64 body.
        public var body: String {
            let parts = data.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            let encoded = parts.dropFirst().joined(separator: "\n\n").replacingOccurrences(of: "\n", with: "")
            return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }

        public func header(_ name: String) -> String? {
            // Unfolded: a continuation line (leading space or tab) belongs to the header above.
            let head = data.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").first ?? ""
            let unfolded = head.replacingOccurrences(of: "\n ", with: " ").replacingOccurrences(of: "\n\t", with: " ")
            return unfolded.split(separator: "\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    public let port: Int
    /// The certificate of the CA that signed the server's (PEM file path) when it offers STARTTLS.
    public let certificate: String?
    let process: Process
    let received = Mutex<[Mail]>([])

    public static func start(tls: Bool = false, users: [String: String] = [:]) async throws -> MailServer {
        let python = try await TestTools.python("aiosmtpd", requirement: "aiosmtpd==\(aiosmtpdVersion)",
                                          check: "import aiosmtpd; assert aiosmtpd.__version__ == '\(aiosmtpdVersion)'")
        let folder = try TestConfig.temporaryDirectory()
        var certificate: String?
        if tls {
            try await TestTools.offPool { try TestCertificates.make(in: folder) }
            certificate = folder.appendingPathComponent("ca.crt").path
        }
        let script = folder.appendingPathComponent("mail_server.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let port = try TestTools.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        let config: [String: Any] = ["port": port, "users": users,
                                     "cert": tls ? folder.appendingPathComponent("server.crt").path : NSNull(),
                                     "key": tls ? folder.appendingPathComponent("server.key").path : NSNull()]
        process.arguments = [script.path, String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let server = MailServer(port: port, certificate: certificate, process: process)
        let ready = Mutex(false)
        let buffer = Mutex(Data())
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            guard !chunk.isEmpty else { handle.readabilityHandler = nil; return }
            let lines: [Data] = buffer.withLock { data in
                data.append(chunk)
                var lines: [Data] = []
                while let newline = data.firstIndex(of: 10) {
                    lines.append(data[data.startIndex..<newline])
                    data.removeSubrange(data.startIndex...newline)
                }
                return lines
            }
            for line in lines {
                guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
                if object["ready"] != nil { ready.withLock { $0 = true }; continue }
                let mail = Mail(from: object["from"] as? String ?? "", to: object["to"] as? [String] ?? [],
                                data: object["data"] as? String ?? "", login: object["login"] as? String,
                                overTLS: object["tls"] as? Bool ?? false, greeting: object["greeting"] as? String ?? "")
                server.received.withLock { $0.append(mail) }
            }
        }
        try process.run()
        let deadline = TestTools.patientDeadline
        while !ready.withLock({ $0 }) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                process.terminate()
                throw TestTools.Failure("aiosmtpd did not start on port \(port)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return server
    }

    init(port: Int, certificate: String?, process: Process) {
        self.port = port
        self.certificate = certificate
        self.process = process
    }

    public var mails: [Mail] { received.withLock { $0 } }

    /// Waits (in real time: the mail crosses a real socket) until `count` mails arrived.
    public func waitForMails(_ count: Int) async throws -> [Mail] {
        let deadline = TestTools.patientDeadline
        while mails.count < count {
            guard ContinuousClock.now < deadline else { throw TestTools.Failure("\(mails.count) mails arrived, not \(count)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return mails
    }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }

    static let script = #"""
    import json, signal, ssl, sys, threading
    # The test process's threads block most signals and a spawned child inherits that mask:
    # unblock them, or SIGTERM would never stop this server.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    config = json.loads(sys.argv[1])

    def say(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
            say({"from": envelope.mail_from, "to": envelope.rcpt_tos, "login": login,
                 "tls": session.ssl is not None, "greeting": session.host_name, "data": envelope.original_content.decode("utf-8", "replace")})
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            if config["users"].get(auth_data.login.decode()) == auth_data.password.decode():
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    options = {}
    if config.get("cert"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(config["cert"], config["key"])
        options = dict(tls_context=context, require_starttls=True, authenticator=authenticate, auth_required=bool(config["users"]))
    controller = Controller(Keep(), hostname="127.0.0.1", port=config["port"], **options)
    controller.start()
    say({"ready": True})
    try:
        threading.Event().wait()
    finally:
        controller.stop()
    """#
}
