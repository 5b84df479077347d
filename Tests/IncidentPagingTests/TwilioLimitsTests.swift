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

    @Test func aLongPageIsCutToWhatTwilioTakes() async throws {
        let fake = FakeTwilio()
        try await fake.start()
        defer { Task { await fake.stop() } }
        func transport(_ method: ContactMethod) -> TwilioTransport {
            TwilioTransport(method: method, apiURL: fake.apiURL, accountSID: FakeTwilio.accountSID, authToken: Secret(FakeTwilio.authToken),
                            from: "+15550100000", links: ProviderTransportTests.links, logger: ProviderTransportTests.logger)
        }
        #expect(try await transport(.sms).deliver(Self.longPage(method: .sms, status: String(repeating: "🔥 db down ", count: 300))) == .delivered)
        let text = try #require(fake.sent.last { $0.resource == "Messages" }?.content)
        #expect(text.utf16.count <= 1_600 && text.hasSuffix("to acknowledge. Or open " + text.split(separator: " ").last!), "\(text.utf16.count)")
        #expect(text.contains("…\nReply ACK INC-7"), "cut before the instructions, with a mark")

        let quoted = String(repeating: "{\"ok\":false,\"db\":\"down\"} & ", count: 120)
        #expect(try await transport(.voice).deliver(Self.longPage(method: .voice, status: quoted)) == .delivered)
        let call = try #require(fake.sent.last { $0.resource == "Calls" }?.content)
        #expect(call.count <= 4_000 && call.contains("Press 1 to acknowledge."), "\(call.count)")
    }
}
