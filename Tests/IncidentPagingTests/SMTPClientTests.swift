import Foundation
import IncidentCore
import IncidentEngine
import IncidentPaging
import IncidentTesting
import IncidentTLS
import IncidentWire
import Testing

/// The SMTP client against a real SMTP server (aiosmtpd), plain and with STARTTLS and AUTH.
@Suite(.serialized) struct SMTPClientTests {
    static let message = "From: incident-bot <bot@example.org>\r\nTo: <alice@example.org>\r\nSubject: test\r\n\r\n"
        + "line one\r\n.starts with a dot\r\n.\r\nafter a lone dot\r\n"

    @Test func aMailReachesAPlainRelayWithEveryLineIntact() async throws {
        let server = try await MailServer.start()
        defer { server.stop() }
        let client = SMTPClient(settings: .init(host: "127.0.0.1", port: server.port, security: .none))
        try await client.send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        let mail = try #require(try await server.waitForMails(1).first)
        #expect(mail.from == "bot@example.org" && mail.to == ["alice@example.org"])
        // Dot-stuffing undone by the server: a line of one dot did not end the mail early.
        #expect(mail.data.contains(".starts with a dot\r\n.\r\nafter a lone dot"))
        #expect(!mail.overTLS && mail.login == nil)
    }

    @Test func starttlsAndLoginWithTheRelaysOwnCA() async throws {
        let server = try await MailServer.start(tls: true, users: ["bot": "s3cret"])
        defer { server.stop() }
        let settings = SMTPClient.Settings(host: "localhost", port: server.port, security: .starttls,
                                           username: Secret("bot"), password: Secret("s3cret"), caFile: server.certificate)
        try await SMTPClient(settings: settings).send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        let mail = try #require(try await server.waitForMails(1).first)
        #expect(mail.overTLS && mail.login == "bot")
    }

    /// `ca_file` is read as serve starts (and by check-config): a file missing or holding no
    /// certificate used to pass until the first page by mail failed.
    @Test func theTrustRootsAreReadBeforeAnyMail() async throws {
        let server = try await MailServer.start(tls: true, users: ["bot": "s3cret"])
        defer { server.stop() }
        try TrustRoots.check(try #require(server.certificate))
        #expect { try TrustRoots.check("/nonexistent/ca.pem") } throws: { "\($0)" == "cannot read the file" }
        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(UUID().uuidString).yaml")
        try "severities: {}\n".write(to: notPEM, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: notPEM) }
        #expect { try TrustRoots.check(notPEM.path) } throws: { "\($0)".hasPrefix("holds no PEM certificate") }
    }

    @Test func aWrongPasswordIsTheOperatorsToFix() async throws {
        let server = try await MailServer.start(tls: true, users: ["bot": "s3cret"])
        defer { server.stop() }
        let settings = SMTPClient.Settings(host: "localhost", port: server.port, security: .starttls,
                                           username: Secret("bot"), password: Secret("wrong"), caFile: server.certificate)
        await #expect {
            try await SMTPClient(settings: settings).send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        } throws: { error in
            guard case .setup(let reason) = error as? SMTPError else { return false }
            return reason.contains("refused the credentials") && !reason.contains("wrong")
        }
        #expect(server.mails.isEmpty)
    }

    /// A leader whose term ended while the conversation went on leaves without the line that
    /// ends DATA: the relay takes no mail. The next mail, from a process that leads, arrives.
    @Test func aTermThatIsOverMailsNothing() async throws {
        let server = try await MailServer.start()
        defer { server.stop() }
        let client = SMTPClient(settings: .init(host: "127.0.0.1", port: server.port, security: .none))
        let over = LeaderTerm(token: 3) { false }
        await #expect(throws: SMTPError.self) {
            try await LeaderTerm.$current.withValue(over) {
                try await client.send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
            }
        }
        let next = Self.message.replacingOccurrences(of: "Subject: test", with: "Subject: next")
        try await client.send(from: "bot@example.org", to: "bob@example.org", data: next)
        // The relay reports mails in the order it took them: had the first been taken, it
        // would be here before the second.
        let mails = try await server.waitForMails(1)
        #expect(server.mails.map(\.to) == [["bob@example.org"]], "\(server.mails)")
        #expect(mails.first?.data.contains("Subject: next") == true)
    }

    /// A certificate the bot does not trust ends the conversation before any credential is sent.
    @Test func anUntrustedCertificateIsRefused() async throws {
        let server = try await MailServer.start(tls: true, users: ["bot": "s3cret"])
        defer { server.stop() }
        let settings = SMTPClient.Settings(host: "localhost", port: server.port, security: .starttls,
                                           username: Secret("bot"), password: Secret("s3cret"))
        await #expect {
            try await SMTPClient(settings: settings).send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        } throws: { error in
            // One line: BoringSSL's reason without its error numbers and the build's paths, or,
            // when the relay closed first, the hint about ca_file.
            guard case .setup(let reason) = error as? SMTPError else { return false }
            return reason == "localhost: TLS failed (CERTIFICATE_VERIFY_FAILED)" || reason.hasSuffix("(is its certificate trusted? see ca_file)")
        }
        #expect(server.mails.isEmpty)
    }

    @Test func starttlsRequiredButNotOfferedIsRefusedBeforeAnythingIsSent() async throws {
        let server = try await MailServer.start()
        defer { server.stop() }
        let client = SMTPClient(settings: .init(host: "127.0.0.1", port: server.port, security: .starttls))
        await #expect {
            try await client.send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        } throws: { error in
            guard case .setup(let reason) = error as? SMTPError else { return false }
            return reason.contains("does not offer STARTTLS")
        }
        #expect(server.mails.isEmpty)
    }

    /// A reply written after the 220 to STARTTLS, before TLS began (by anyone on the network
    /// path), would be read as the relay's answer to what is sent over TLS: the mail refused by
    /// the real relay would count as mailed. The client refuses to go on instead.
    @Test func repliesWrittenBeforeTheTLSHandshakeAreRefused() async throws {
        let relay = try await ScriptedServer("""
        c.sendall(b"220 relay ESMTP\\r\\n")
        f.readline(); c.sendall(b"250-relay\\r\\n250 STARTTLS\\r\\n")
        f.readline(); c.sendall(b"220 go ahead\\r\\n250 injected\\r\\n")
        """)
        defer { relay.stop() }
        let client = SMTPClient(settings: .init(host: "127.0.0.1", port: relay.port, security: .starttls, timeout: .seconds(10)))
        await #expect {
            try await client.send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        } throws: { error in
            guard case .setup(let reason) = error as? SMTPError else { return false }
            return reason.contains("sent more after its 220 to STARTTLS")
        }
    }

    /// A relay that echoes the command it refuses: the reason, which the incident's room and
    /// timeline show, is the codes alone; the echoed `AUTH PLAIN` line carried the credentials.
    @Test func aRefusalIsItsCodesWithoutTheRelaysWords() async throws {
        let relay = try await ScriptedServer("""
        c.sendall(b"220 relay ESMTP\\r\\n")
        f.readline(); c.sendall(b"250-relay\\r\\n250 AUTH PLAIN\\r\\n")
        line = f.readline(); c.sendall(b"535 5.7.8 Authentication failed for " + line)
        """)
        defer { relay.stop() }
        let settings = SMTPClient.Settings(host: "127.0.0.1", port: relay.port, security: .none, username: Secret("pagebot"),
                                           password: Secret("SMTPPASSW0RD-secret"), timeout: .seconds(10))
        await #expect {
            try await SMTPClient(settings: settings).send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        } throws: { error in
            guard case .setup(let reason) = error as? SMTPError else { return false }
            return reason == "127.0.0.1 refused the credentials: AUTH: 535 5.7.8"
        }
    }

    /// An EHLO answered with `250-` lines that never end (before STARTTLS, anyone on the path
    /// can send them) grew the bot's memory by gigabytes within the attempt's 30 s, until it
    /// crashed, and crashed again at each restart on the same page. It is a failed attempt.
    @Test func aReplyThatNeverEndsIsAFailedAttempt() async throws {
        let relay = try await ScriptedServer("""
        c.sendall(b"220 relay ESMTP\\r\\n")
        f.readline()
        try:
            while True: c.sendall(b"250-" + b"X" * 1000 + b"\\r\\n")
        except Exception:
            pass
        """)
        defer { relay.stop() }
        let client = SMTPClient(settings: .init(host: "127.0.0.1", port: relay.port, security: .starttls, timeout: .seconds(30)))
        let started = ContinuousClock.now
        await #expect {
            try await client.send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        } throws: { error in
            guard case .temporary(let reason) = error as? SMTPError else { return false }
            return reason.contains("sent a reply of more than 200 lines")
        }
        // Cut at its line limit, not at the attempt's time limit.
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func nobodyListeningIsWorthRetrying() async throws {
        let port = try TestTools.freePort()
        let client = SMTPClient(settings: .init(host: "127.0.0.1", port: port, security: .none, timeout: .seconds(5)))
        await #expect {
            try await client.send(from: "bot@example.org", to: "alice@example.org", data: Self.message)
        } throws: { error in
            // One line, not NIO's dump of every address tried.
            if case .temporary(let reason) = error as? SMTPError { return reason == "127.0.0.1: connection refused" }
            return false
        }
    }
}
