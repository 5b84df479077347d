import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IncidentWire
import IncidentCore
import IncidentPaging
import IncidentSlack
import IncidentTesting
import SlackFake
import Testing

/// `incident-bot serve` paging by mail through a real SMTP server (aiosmtpd), and the
/// acknowledge link in the mail followed as a person would: the GET shows a button and changes
/// nothing, the POST acknowledges and the ladder stops, a second use or an expired or altered
/// link is refused.
@Suite struct EmailPagingServeTests {
    static let linkSecret = "test-link-secret-of-at-least-32-characters"

    @Test func aPageByMailIsAcknowledgedFromItsLinkOnce() async throws {
        let fake = FakeSlack(users: Array(SlackHarness.users.values))
        try await fake.start()
        defer { Task { await fake.stop() } }
        let broadcast = fake.addChannel("incidents")
        let mail = try await MailServer.start()
        defer { mail.stop() }
        let port = try TestTools.freePort()
        let folder = try TestConfig.temporaryDirectory()
        // The on-call level is reached by mail first, and Alice (on call) has an address.
        let policy = try TestConfig.text("policy.yaml").replacingOccurrences(of: "methods: [pagerduty, chat]", with: "methods: [email, chat]")
        try policy.write(to: folder.appendingPathComponent("policy.yaml"), atomically: true, encoding: .utf8)
        let roster = try TestConfig.text("roster.example.yaml").replacingOccurrences(
            of: "    prefer: slack               # pages go here first, then to the other platform",
            with: "    email: alice@example.org\n    contact: [email, slack]")
        try roster.write(to: folder.appendingPathComponent("roster.yaml"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try """
            policy: policy.yaml
            roster: roster.yaml
            broadcast:
              slack: \(broadcast)
            admin:
              listen: 127.0.0.1:0
            http:
              listen: 127.0.0.1:\(port)
              public_url: http://127.0.0.1:\(port)/
            slack:
              enabled: true
            paging:
              email:
                enabled: true
                host: 127.0.0.1
                port: \(mail.port)
                security: none
                from: incident-bot@example.org
            """.write(to: config, atomically: true, encoding: .utf8)
        let db = folder.appendingPathComponent("bot.sqlite").path
        let process = Process()
        process.executableURL = TestTools.botBinary
        process.arguments = ["serve", "--config", config.path, "--db", db]
        process.environment = ["SLACK_BOT_TOKEN": FakeSlack.botToken, "SLACK_SIGNING_SECRET": SlackHarness.secret,
                               "SLACK_API_URL": fake.apiURL, "INCIDENT_BOT_LINK_SECRET": Self.linkSecret, "PATH": "/usr/bin:/bin"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = Pipe()
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        #expect(await SlackServeProcessTests.port(from: stderr.fileHandleForReading) == port)

        let declared = try await SlackServeProcessTests.slash(port: port, "declare Checkout is slow --sev P1")
        #expect(declared.status == 200 && declared.body.contains("INC-1"), "\(declared.body)")

        let page = try #require(try await mail.waitForMails(1).first)
        #expect(page.to == ["alice@example.org"] && page.from == "incident-bot@example.org")
        // Greeted with a fully qualified name, as RFC 5321 asks: relays that refuse a bare one
        // refused every page mail.
        #expect(page.greeting == "example.org")
        #expect(page.header("X-Incident") == "INC-1")
        #expect(page.body.contains("You are paged as on-call engineer (engineering L1)"))
        // The first page waited for the room to exist, so it links it.
        #expect(page.body.contains("Incident room on Slack: https://slack.com/app_redirect?channel="), "\(page.body)")
        let link = try #require(page.body.split(separator: "\n").first { $0.hasPrefix("Acknowledge: ") }
            .map { String($0.dropFirst("Acknowledge: ".count)) })
        #expect(link.hasPrefix("http://127.0.0.1:\(port)/ack/"))

        // What a mail gateway does first: probe it with HEAD. Answered as GET, and nothing is
        // acknowledged (it was a 404, a good link marked broken).
        let probed = try await Self.request(link, method: "HEAD")
        #expect(probed.status == 200, "\(probed.status) \(probed.body)")
        // What a mail scanner does: follow the link. Nothing is acknowledged.
        let shown = try await Self.request(link, method: "GET")
        #expect(shown.status == 200)
        #expect(shown.body.contains("<form method=\"post\">") && shown.body.contains("Acknowledge INC-1 as @alice"))
        #expect(shown.headers["Referrer-Policy"] == "no-referrer" && shown.headers["X-Frame-Options"] == "DENY")
        // The button: acknowledged, by alice, once.
        let pressed = try await Self.request(link, method: "POST")
        #expect(pressed.status == 200 && pressed.body.contains("Acknowledged INC-1"), "\(pressed.body)")
        let again = try await Self.request(link, method: "POST")
        #expect(again.status == 409 && again.body.contains("works once"))
        // Opened again, the link says it was answered, with no button to press in vain.
        let reopened = try await Self.request(link, method: "GET")
        #expect(reopened.status == 200 && reopened.body.contains("acknowledged INC-1 already") && !reopened.body.contains("<form"),
                "\(reopened.body)")
        // The same person by chat afterwards: answered, nothing new.
        let typed = try await SlackServeProcessTests.slash(port: port, "INC-1", command: "/ack", user: "U0ALICE01")
        #expect(typed.body.contains("You already acknowledged INC-1"), "\(typed.body)")

        // A genuine link past its time, and one altered by a byte.
        let links = AckLinks(secret: Array(Self.linkSecret.utf8), publicURL: "http://127.0.0.1:\(port)", validity: .hours(24))
        let stale = links.link(incident: 1, person: "alice", page: "old-page", method: .email,
                               queuedAt: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) - .hours(25), declaredAt: nil)
        #expect(try await Self.request(stale, method: "POST").status == 410)
        var altered = Array(link)
        let index = altered.index(altered.endIndex, offsetBy: -60)
        altered[index] = altered[index] == "A" ? "B" : "A"
        #expect(try await Self.request(String(altered), method: "POST").status == 404)
        // A link of a lost database's INC-1 (restored from a backup, the number given again)
        // shows nothing of this INC-1, and no button.
        let earlier = links.link(incident: 1, person: "alice", page: "lost-page", method: .email,
                                 queuedAt: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) - .hours(1),
                                 declaredAt: Timestamp(secondsSinceEpoch: 1_700_000_000))
        let opened = try await Self.request(earlier, method: "GET")
        #expect(opened.status == 403 && opened.body.contains("This page was for an earlier INC-1") && !opened.body.contains("<form")
                && !opened.body.contains("Checkout is slow"), "\(opened.body)")
        // A link its press would be refused for (here bob's, whom INC-1 never paged) shows why,
        // and no button: it showed one, for a page withdrawn before it went out or a person
        // taken off the roster, and the press then answered 403 (the doors audit of stop 58).
        let unpaged = links.link(incident: 1, person: "bob", page: "unpaged-page", method: .email,
                                 queuedAt: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), declaredAt: nil)
        let refusedPage = try await Self.request(unpaged, method: "GET")
        #expect(refusedPage.status == 403 && refusedPage.body.contains("Only people paged for INC-1 can acknowledge")
                && !refusedPage.body.contains("<form"), "\(refusedPage.body)")
        #expect(try await Self.request(unpaged, method: "POST").status == 403)

        // A private incident: its page mail and its acknowledge page name it by number only.
        let hidden = try await SlackServeProcessTests.slash(port: port, "declare Customer records exposed --sev P1 --private")
        #expect(hidden.status == 200 && hidden.body.contains("INC-2"), "\(hidden.body)")
        let privatePage = try #require(try await mail.waitForMails(2).last)
        #expect(privatePage.header("X-Incident") == "INC-2")
        let subject = try #require(privatePage.header("Subject"))
        // Encoded words, folded when long (RFC 2047), read back whole.
        let readSubject = subject.hasPrefix("=?UTF-8?B?")
            ? subject.split(whereSeparator: \.isWhitespace).map { word in
                String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
            }.joined()
            : subject
        for text in [readSubject, privatePage.body] {
            #expect(text.contains("a private incident") && !text.contains("Customer") && !text.contains("#incident-"), "\(text)")
        }
        let privateLink = links.link(incident: 2, person: "alice", page: "private-page", method: .email,
                                     queuedAt: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), declaredAt: nil)
        let shownPrivate = try await Self.request(privateLink, method: "GET")
        #expect(shownPrivate.status == 200 && shownPrivate.body.contains("a private incident") && !shownPrivate.body.contains("Customer")
                && !shownPrivate.body.contains("Phase:"),
                "\(shownPrivate.body)")
        // Resolved: the page says so, without a button its press would be refused for.
        let resolved = try await SlackServeProcessTests.slash(port: port, "resolve INC-2 contained")
        #expect(resolved.status == 200, "\(resolved.body)")
        let over = try await Self.request(privateLink, method: "GET")
        #expect(over.status == 200 && over.body.contains("INC-2 is resolved; nobody is paged for it any more.")
                && !over.body.contains("<form"), "\(over.body)")

        process.terminate()
        try await TestTools.waitForExit(process)
        #expect(process.terminationStatus == 0)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!log.contains(Self.linkSecret) && !log.contains("/ack/"), "a secret or a link was logged")
        // The altered link is refused in the log too, as the other doors' refusals are, its token not.
        let alteredToken = String(String(altered).split(separator: "/").last ?? "")
        #expect(log.contains("acknowledge link refused: not a valid link") && !log.contains(alteredToken), "\(log)")
        let export = String(decoding: try TestTools.run(TestTools.botBinary.path, ["export", "INC-1", "--format", "markdown",
                                                                                    "--config", config.path, "--db", db]),
                            as: UTF8.self)
        #expect(export.contains("Page to @alice (on-call engineer, engineering L1) delivered by email."))
        #expect(export.contains("Acknowledged by @alice (email link)."))
        #expect(export.contains("The engineering ladder stopped: acknowledged by @alice."))
        #expect(mail.mails.count == 2, "one page per incident, one mail each")
    }

    struct Answer {
        var status: Int
        var body: String
        var headers: [String: String]
    }

    static func request(_ url: String, method: String) async throws -> Answer {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] { headers["\(key)"] = "\(value)" }
        return Answer(status: http?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self), headers: headers)
    }
}
