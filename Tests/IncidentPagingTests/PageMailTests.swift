import Crypto
import IncidentCore
@testable import IncidentPaging
import IncidentTesting
import IncidentWire
import Foundation
import Testing

@Suite struct PageMailTests {
    func mail(title: String = "Checkout is slow") -> PageMail {
        var message = Message(.strong("🔔 INC-4 (P1): "), .userText(title))
        message.kind = .page
        message.line(.text("You are paged as on-call engineer (engineering L1)."))
        message.line(.text("Acknowledge with "), .command("ack INC-4"), .text("."))
        message.actions = [.acknowledge]
        let page = Page(person: "alice", ladder: "engineering", level: "L1", role: "on-call engineer", message: message)
        return PageMail(from: "bot@example.org", to: "alice@example.org", message: message, page: page,
                        rooms: [.slack: "C0123ROOM", .matrix: "!abc:example.org"],
                        ackLink: ("https://bot.example.org/ack/t0ken", TestConfig.start + .hours(24)), incident: 4,
                        key: "INC-4/7@email", queuedAt: TestConfig.start, date: TestConfig.start)
    }

    @Test func theMailSaysWhyWhereAndHowToAcknowledge() {
        let rendered = mail().rendered
        let head = rendered.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.contains("Subject: =?UTF-8?B?"))
        #expect(head.contains("Date: Tue, 24 Nov 2026 10:00:00 +0000"))
        #expect(head.contains("X-Incident: INC-4") && head.contains("Auto-Submitted: auto-generated"))
        let body = mail().body
        #expect(body.contains("Acknowledge with /ack INC-4."))
        #expect(body.contains("You are paged as on-call engineer (engineering L1)"))
        #expect(body.contains("Incident room on Matrix: https://matrix.to/#/%21abc%3Aexample.org"))
        #expect(body.contains("Incident room on Slack: https://slack.com/app_redirect?channel=C0123ROOM"))
        // Second, after the heading: what a phone's notification shows of a mail.
        #expect(body.split(separator: "\n").prefix(2).map(String.init) == ["🔔 INC-4 (P1): Checkout is slow", "Acknowledge: https://bot.example.org/ack/t0ken"],
                "\(body)")
        #expect(body.contains("The acknowledge link above opens a page with a button"))
        // Written as every other time the bot writes, not in ISO 8601's raw form.
        #expect(body.contains("it works once, until 2026-11-25 10:00 UTC."), "\(body)")
        #expect(body.contains("Or type /ack INC-4 in Slack or !ack INC-4 in Matrix."), "\(body)")
    }

    /// Someone whose only chat is Matrix is asked for `!ack`: Element answers `/ack` as an
    /// unknown command of its own.
    @Test func aMailToSomeoneOnMatrixOnlyAsksForBangAck() {
        var matrix = mail()
        matrix.rooms = [.matrix: "!abc:example.org"]
        matrix.commandPrefix = Platform.matrix.commandPrefix
        #expect(matrix.body.contains("Acknowledge with !ack INC-4."), "\(matrix.body)")
        #expect(matrix.body.contains("Or type !ack INC-4 in Matrix."), "\(matrix.body)")
        #expect(!matrix.body.contains("/ack INC"), "\(matrix.body)")
        // Before the incident's room is made, their own form all the same.
        matrix.rooms = [:]
        #expect(matrix.body.contains("Or type !ack INC-4 in chat."), "\(matrix.body)")
        #expect(PageAnswers.typedAcknowledgement(nil, on: [.slack, .console]) == "/ack and the incident number in chat")
    }

    /// Someone with no chat account is not told to type `/ack` in chat (the page comes without
    /// its command line, `TransportJob.forItsReader`): the link is their way to answer, and
    /// without one the mail says that it cannot be answered from there.
    @Test func aMailToSomeoneWithNoChatAccountAsksForNoCommand() {
        var linked = mail()
        linked.typesCommands = false
        linked.message = linked.message.withoutCommandLines
        #expect(!linked.body.contains("/ack INC") && !linked.body.contains("in chat."), "\(linked.body)")
        #expect(linked.body.contains("Acknowledge: https://bot.example.org/ack/t0ken"))
        #expect(linked.body.contains("You are paged as on-call engineer (engineering L1)."))
        #expect(!linked.body.contains("Incident room on"), "a room they cannot open: \(linked.body)")
        var bare = linked
        bare.ackLink = nil
        #expect(!bare.body.contains("/ack INC"))
        #expect(bare.body.contains("This page cannot be acknowledged by mail: you have no chat account the bot knows"), "\(bare.body)")
        #expect(bare.body.contains("Its ladder goes on until INC-4 is acknowledged in chat."))
        var chats = mail()
        chats.ackLink = nil
        #expect(chats.body.contains("Acknowledge with /ack INC-4.") && !chats.body.contains("cannot be acknowledged"))
    }

    /// A long non-ASCII title is sent as encoded words of at most 75 characters (the first
    /// line, with `Subject: `, within 76), folded, which read back as the subject whole.
    @Test func aLongSubjectIsEncodedWordsOfSeventyFiveCharactersAtMost() {
        let title = String(repeating: "Zahlungsausfall für Kunden in Köln 🔥 ", count: 4)
        let mail = mail(title: title)
        let head = mail.rendered.components(separatedBy: "\r\n\r\n")[0]
        let lines = head.components(separatedBy: "\r\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Subject: ") }) else {
            Issue.record("no Subject: \(head)")
            return
        }
        let folded = [String(lines[start].dropFirst("Subject: ".count))] + lines[(start + 1)...].prefix { $0.hasPrefix(" ") }.map { String($0.dropFirst()) }
        #expect(folded.count > 1 && folded.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") }, "\(folded)")
        let decoded = folded.map { String(decoding: Data(base64Encoded: String($0.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self) }.joined()
        #expect(decoded == mail.subject)
        #expect(lines[start].count <= 76)
        // The whole heading: it was cut at 150 characters, unmarked, and a longest title lost its end.
        #expect(mail.subject == "🔔 INC-4 (P1): " + title, "\(mail.subject)")
        // A character too long for one word (a letter under fifty combining marks) is cut
        // between its code points.
        let stacked = "e" + String(repeating: "\u{301}", count: 50)
        let words = PageMail.encodedWord(stacked).components(separatedBy: "\r\n ")
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 })
    }

    /// A title typed with line breaks cannot add a header, and the body is base64 so no line of
    /// it reaches SMTP as typed.
    @Test func typedTextCannotBreakTheHeadersOrTheBody() {
        let rendered = mail(title: "x\r\nBcc: everyone@example.org\r\n.\r\n").rendered
        let head = rendered.components(separatedBy: "\r\n\r\n")[0]
        #expect(!head.contains("Bcc:"))
        #expect(head.split(separator: "\r\n").filter { !$0.hasPrefix(" ") }.count == 11)
        let body = rendered.components(separatedBy: "\r\n\r\n")[1]
        #expect(body.split(separator: "\r\n").allSatisfy { $0.count <= 76 && !$0.hasPrefix(".") })
    }

    @Test func theMessageIDIsTheSameForEveryRetryOfAPage() {
        var retried = mail()
        retried.date = TestConfig.start + .minutes(3)
        func id(_ text: String) -> String? { text.split(separator: "\r\n").first { $0.hasPrefix("Message-ID:") }.map(String.init) }
        #expect(id(mail().rendered) == id(retried.rendered))
        // Another incident numbered alike (a new database, a staging bot) gets another.
        var elsewhere = mail()
        elsewhere.queuedAt = TestConfig.start + .hours(30)
        #expect(id(mail().rendered) != id(elsewhere.rendered))
        #expect(id(mail().rendered)?.hasSuffix("@example.org>") == true)
        // Two databases (a staging bot beside production) queuing it in the same second: each
        // keys the hash with its own secret.
        var production = mail(), staging = mail()
        production.identity = SymmetricKey(data: Array("production-link-secret-0123456789abcdef".utf8))
        staging.identity = SymmetricKey(data: Array("staging-link-secret-0123456789abcdef".utf8))
        #expect(id(production.rendered) != id(staging.rendered))
        #expect(id(production.rendered) == id(production.rendered))
    }
}
