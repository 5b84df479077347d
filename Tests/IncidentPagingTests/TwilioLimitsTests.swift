import IncidentCore
import IncidentEngine
import IncidentPaging
import IncidentTesting
import IncidentWire
import PagerFakes
import Testing

/// A page with a long status still fits Twilio's limits, counted as Twilio counts them: a text
/// of 1,600 UTF-16 units (an emoji is two) and a call's TwiML of 4,000 characters once escaped.
/// Cut one over, the text was refused (21617) and the call too (32018): the page left the method.
@Suite struct TwilioLimitsTests {
    static func longPage(method: ContactMethod, status: String) -> TransportJob {
        var job = ProviderTransportTests.pageJob(method: method, account: "+15550100004")
        guard case .directMessage(let person, var message) = job.action else { return job }
        message.line(.text("Status: "), .userText(status))
        job.action = .directMessage(to: person, message)
        job.page?.message = message
        return job
    }

    static func transport(_ method: ContactMethod, _ fake: FakeTwilio) -> TwilioTransport {
        TwilioTransport(method: method, apiURL: fake.apiURL, accountSID: FakeTwilio.accountSID, authToken: Secret(FakeTwilio.authToken),
                        from: "+15550100000", links: ProviderTransportTests.links, logger: ProviderTransportTests.logger)
    }

    @Test func aLongPageIsCutToWhatTwilioTakes() async throws {
        let fake = FakeTwilio()
        try await fake.start()
        defer { Task { await fake.stop() } }
        func transport(_ method: ContactMethod) -> TwilioTransport { Self.transport(method, fake) }
        #expect(try await transport(.sms).deliver(Self.longPage(method: .sms, status: String(repeating: "🔥 db down ", count: 300))) == .delivered)
        let text = try #require(fake.sent.last { $0.resource == "Messages" }?.content)
        #expect(text.utf16.count <= 1_600 && text.hasSuffix(" to acknowledge."), "\(text.utf16.count)")
        #expect(text.contains("…\nOr open https://"), "cut before the link, with a mark")
        // How to answer is in what a lock screen shows: right after the heading.
        let lines = text.split(separator: "\n")
        #expect(lines.count > 2 && lines[1] == "Reply ACK INC-7 to acknowledge.", "\(lines.prefix(2))")

        let quoted = String(repeating: "{\"ok\":false,\"db\":\"down\"} & ", count: 120)
        #expect(try await transport(.voice).deliver(Self.longPage(method: .voice, status: quoted)) == .delivered)
        let call = try #require(fake.sent.last { $0.resource == "Calls" }?.content)
        #expect(call.count <= 4_000 && call.contains("Press 1 to acknowledge."), "\(call.count)")

        // Twilio's speech takes at most 3,000 UTF-8 bytes a `<Say>` (Polly's voices): a status
        // in Chinese, three bytes a character, is cut to that, not to 1,500 UTF-16 units.
        let chinese = String(repeating: "数据库宕机，缓存不可用。", count: 150)
        #expect(try await transport(.voice).deliver(Self.longPage(method: .voice, status: chinese)) == .delivered)
        let spoken = try #require(fake.sent.last { $0.resource == "Calls" }?.content)
        let says = spoken.split(separator: "<Say>").dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(says.allSatisfy { $0.utf8.count <= 3_000 }, "\(says.map(\.utf8.count))")
        #expect(says.contains { $0.contains("数据库宕机") })
    }

    /// A call tells how to answer before the page and after it, and reads the incident again:
    /// someone woken who missed the first seconds heard it once, and "press 1" only at the end.
    @Test func aCallSaysHowToAnswerFirstAndReadsTheIncidentAgain() async throws {
        let fake = FakeTwilio()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let transport = Self.transport(.voice, fake)
        #expect(try await transport.deliver(ProviderTransportTests.pageJob(method: .voice, account: "+15550100004")) == .delivered)
        let script = try #require(fake.sent.last { $0.resource == "Calls" }?.content)
        let says = script.split(separator: "<Say>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(says.first == "This is incident-bot. Press 1 at any time to acknowledge.", "\(says)")
        #expect(says.filter { $0.contains("INC-7 (P0): Checkout &lt;down&gt;") }.count == 2, "\(says)")
        #expect(says.contains { $0.hasPrefix("Again: ") && $0.hasSuffix("Press 1 to acknowledge.") }, "\(says)")
        #expect(script.components(separatedBy: "<Gather ").count == 3)
    }

    /// A call leaves out what a listener cannot use: the room's slug and a bare address, which
    /// the page's text, mail and chat carry. It read the room as "incident 20261124 checkout
    /// down" and a meeting URL letter by letter.
    @Test func aCallReadsNeitherTheRoomNorAnAddress() async throws {
        let fake = FakeTwilio()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let transport = Self.transport(.voice, fake)
        var job = ProviderTransportTests.pageJob(method: .voice, account: "+15550100004")
        guard case .directMessage(let person, var message) = job.action else { return }
        message.lines.insert([.text("Unanswered since 10:02 · status: "), .userText("db · down"), .text(" · room "),
                              .room("incident-20261124-checkout-down")], at: 2)
        message.lines.insert([.text("Call: "), .link(url: "https://meet.example.com/inc-7", label: "https://meet.example.com/inc-7")], at: 3)
        message.lines.insert([.text("Runbook: "), .link(url: "https://wiki.example.com/checkout", label: "checkout runbook")], at: 4)
        job.action = .directMessage(to: person, message)
        job.page?.message = message
        #expect(try await transport.deliver(job) == .delivered)
        let script = try #require(fake.sent.last { $0.resource == "Calls" }?.content)
        let says = script.split(separator: "<Say>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        let page = try #require(says.first { $0.contains("Unanswered since") })
        #expect(page.contains("(engineering L4). Unanswered since 10:02, status: db  down. Runbook: checkout runbook."), "\(page)")
        #expect(!script.contains("incident-20261124") && !script.contains("meet.example.com") && !script.contains("wiki.example.com"))
    }
}
