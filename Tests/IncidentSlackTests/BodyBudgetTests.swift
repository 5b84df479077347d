import HTTPTypes
import Hummingbird
import IncidentHTTP
import NIOCore
import Testing

/// `LimitedBody` and the budget the bodies being read at once share past their first 64 KiB:
/// 900 unsigned bodies just under `max_body` held 1.3 GB of the bot's memory before.
@Suite struct BodyBudgetTests {
    func request(_ bytes: Int) -> Request {
        let head = HTTPRequest(method: .post, scheme: "http", authority: "bot", path: "/slack/events")
        return Request(head: head, body: RequestBody(buffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)))
    }

    func read(_ bytes: Int, budget: BodyBudget) async -> String {
        switch await LimitedBody.read(request(bytes), upTo: 1 << 20, within: .seconds(10), budget: budget) {
        case .body(let body): "body \(body.count)"
        case .busy: "busy"
        case .tooLarge: "tooLarge"
        case .tooSlow: "tooSlow"
        case .broken: "broken"
        }
    }

    @Test func aBodyPastItsOwnShareWaitsOnNoBudgetItCannotHave() async {
        let spent = BodyBudget(bytes: 0)
        // A Slack request's few kilobytes, or anything within the free share, never meet the budget.
        #expect(await read(4_000, budget: spent) == "body 4000")
        #expect(await read(BodyBudget.free, budget: spent) == "body \(BodyBudget.free)")
        #expect(await read(BodyBudget.free + 1, budget: spent) == "busy")
        let small = BodyBudget(bytes: 100 << 10)
        #expect(await read(BodyBudget.free + (100 << 10), budget: small) == "body \(BodyBudget.free + (100 << 10))")
        #expect(await read(BodyBudget.free + (100 << 10) + 1, budget: small) == "busy")
        // Given back once read: nothing stays held.
        #expect(small.held == 0)
        #expect(await read(2 << 20, budget: small) == "tooLarge")
    }
}
