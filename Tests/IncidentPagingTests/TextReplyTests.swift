import IncidentEngine
@testable import IncidentPaging
import IncidentTesting
import Testing

/// What a texted reply to a page says. A phone's own full stop or a dash left out is still an
/// acknowledgement; anything else is answered with how to answer, naming no incident (a fixed
/// `INC-4` read as the one paging the person).
@Suite struct TextReplyTests {
    typealias Reply = TwilioWebhooks<ManualClock>.TextReply

    @Test(arguments: [
        ("ACK", Reply.acknowledgement(incident: nil)), ("ack", .acknowledgement(incident: nil)), ("Ack.", .acknowledgement(incident: nil)),
        ("ACK!", .acknowledgement(incident: nil)), ("  ack  ", .acknowledgement(incident: nil)),
        ("ACK INC-2", .acknowledgement(incident: 2)), ("ack inc-2.", .acknowledgement(incident: 2)), ("ACK INC2", .acknowledgement(incident: 2)),
        ("ACK 12", .acknowledgement(incident: 12)),
        ("ok", .other), ("yes ack", .other), ("ACK INC-2 please", .other), ("ACK INC-0", .other), ("ACK INC-", .other),
        ("ACK INCX", .other), ("", .other), ("...", .other), ("ACKNOWLEDGED", .other),
    ])
    func aReplyIsReadAsAPersonWritesIt(body: String, reply: Reply) {
        #expect(TwilioWebhooks<ManualClock>.read(body) == reply, "\(body)")
    }

    @Test func theAnswerToAnythingElseNamesNoIncident() {
        #expect(!TwilioWebhooks<ManualClock>.howToAnswer.contains("INC-"))
    }
}
