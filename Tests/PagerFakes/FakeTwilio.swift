import Foundation
import HTTPTypes
import Hummingbird
import IncidentWire
import NIOCore
import SlackFake
import Synchronization

/// Twilio's REST API for texts and calls (`/2010-04-01/Accounts/{sid}/Messages.json` and
/// `Calls.json`), faithful to the published contract: HTTP Basic with the account SID and
/// auth token (`401`, code 20003, otherwise), form parameters, `To` in E.164 (`400`, code
/// 21211), a body for a text of at most 1,600 UTF-16 units (code 21617) and TwiML for a call of
/// at most 4,000 characters (code 32018), a `StatusCallback` URL (`400`, code 21609,
/// when it is none) kept for the test to post a call's end to, `201` with the new `sid`, `429` with code
/// 20429 when rate limited (with `Retry-After` when told to send one), `5xx` in an outage.
public final class FakeTwilio: Sendable {
    public static let accountSID = "AC" + String(repeating: "0", count: 31) + "1"
    public static let authToken = "twilio-test-auth-token"

    public struct Sent: Sendable {
        /// `Messages` or `Calls`.
        public var resource: String
        public var to: String
        public var from: String
        /// The text's body, or the call's TwiML.
        public var content: String
        public var sid: String
        /// Where a call's final status is to be posted (`StatusCallback`), when asked.
        public var statusCallback: String?
    }

    public enum Behaviour: Sendable {
        case working
        case rateLimited(calls: Int, retryAfter: Int?)
        case down
    }

    struct State {
        var sent: [Sent] = []
        var behaviour = Behaviour.working
        var attempts = 0
    }

    let state = Mutex(State())
    let server = Mutex<RunningServer?>(nil)

    public init() {}

    public var apiURL: String { "http://127.0.0.1:\(server.withLock { $0?.port ?? 0 })" }
    public var sent: [Sent] { state.withLock { $0.sent } }
    public var attempts: Int { state.withLock { $0.attempts } }
    public func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }

    public func start() async throws {
        let router = Router()
        router.post("/2010-04-01/Accounts/:account/:resource") { request, context -> Response in
            let body = Array((try await request.body.collect(upTo: 64_000)).readableBytesView)
            return self.create(account: context.parameters.get("account") ?? "", resource: context.parameters.get("resource") ?? "",
                               authorization: request.headers[.authorization], body: body)
        }
        let running = try await RunningServer.start(router, label: "fake-twilio")
        server.withLock { $0 = running }
    }

    public func stop() async { await server.withLock { $0 }?.stop() }

    func create(account: String, resource: String, authorization: String?, body: [UInt8]) -> Response {
        let expected = "Basic " + Data("\(Self.accountSID):\(Self.authToken)".utf8).base64EncodedString()
        guard authorization == expected, account == Self.accountSID else {
            return Self.error(.unauthorized, code: 20003, "Authenticate")
        }
        guard resource == "Messages.json" || resource == "Calls.json" else { return Self.error(.notFound, code: 20404, "The requested resource was not found") }
        let gate: Response? = state.withLock { state in
            state.attempts += 1
            switch state.behaviour {
            case .working: return nil
            case .down: return Self.error(.serviceUnavailable, code: 20500, "Service Unavailable")
            case .rateLimited(let calls, let after):
                state.behaviour = calls > 1 ? .rateLimited(calls: calls - 1, retryAfter: after) : .working
                var response = Self.error(.tooManyRequests, code: 20429, "Too Many Requests")
                if let after { response.headers[HTTPField.Name("Retry-After")!] = "\(after)" }
                return response
            }
        }
        if let gate { return gate }
        guard let fields = FormEncoding.decode(body) else { return Self.error(.badRequest, code: 20001, "Invalid form body") }
        let to = fields["To"] ?? ""
        guard to.hasPrefix("+"), (9...16).contains(to.count), to.dropFirst().allSatisfy(\.isNumber) else {
            return Self.error(.badRequest, code: 21211, "The 'To' number \(to) is not a valid phone number.")
        }
        guard let from = fields["From"], !from.isEmpty else { return Self.error(.badRequest, code: 21603, "A 'From' phone number is required.") }
        let isCall = resource == "Calls.json"
        let content: String
        if isCall {
            guard let twiml = fields["Twiml"] ?? fields["Url"], !twiml.isEmpty else {
                return Self.error(.badRequest, code: 21205, "Url parameter is required.")
            }
            guard twiml.count <= 4_000 else { return Self.error(.badRequest, code: 32018, "Twiml size exceeded maximum allowed value of 4000 characters") }
            content = twiml
        } else {
            guard let text = fields["Body"], !text.isEmpty else { return Self.error(.badRequest, code: 21602, "Message body is required.") }
            guard text.utf16.count <= 1_600 else { return Self.error(.badRequest, code: 21617, "The concatenated message body exceeds the 1600 character limit.") }
            content = text
        }
        let callback = fields["StatusCallback"]
        if let callback {
            guard callback.hasPrefix("https://") || callback.hasPrefix("http://"), callback.count <= 4_000, URL(string: callback)?.host != nil else {
                return Self.error(.badRequest, code: 21609, "Invalid 'StatusCallback'")
            }
        }
        if let method = fields["StatusCallbackMethod"], method != "GET", method != "POST" {
            return Self.error(.badRequest, code: 21609, "StatusCallbackMethod must be GET or POST")
        }
        let sid = (isCall ? "CA" : "SM") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        state.withLock { $0.sent.append(Sent(resource: isCall ? "Calls" : "Messages", to: to, from: from, content: content, sid: sid,
                                                     statusCallback: callback)) }
        let answer: JSONValue = [
            "sid": .string(sid), "account_sid": .string(Self.accountSID), "to": .string(to), "from": .string(from),
            "status": "queued", "direction": "outbound-api",
        ]
        return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer.text)))
    }

    static func error(_ status: HTTPResponse.Status, code: Int, _ message: String) -> Response {
        let body: JSONValue = [
            "code": .number(Double(code)), "message": .string(message), "more_info": .string("https://www.twilio.com/docs/errors/\(code)"),
            "status": .number(Double(status.code)),
        ]
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body.text)))
    }
}
