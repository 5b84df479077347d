import Foundation
import HTTPTypes
import Hummingbird
import IncidentWire
import NIOCore
import SlackFake
import Synchronization

/// PagerDuty's Events API v2 as the bot sees it (`POST /v2/enqueue`), faithful to the published
/// contract: the fields each event action requires and their limits, `202` with the
/// `dedup_key`, `400` with `{status, message, errors}` for an invalid event, `429` when rate
/// limited (with `Retry-After` when told to send one), `5xx` in an outage. It keeps PagerDuty's
/// alert per routing key and dedup key: a repeated trigger is the same alert, and an
/// acknowledge or resolve with no open alert is dropped.
public final class FakePagerDuty: Sendable {
    public struct Event: Sendable {
        public var routingKey: String
        public var action: String
        public var dedupKey: String
        public var body: JSONValue
    }

    public enum Behaviour: Sendable {
        case working
        /// Answers this many events 429, with `Retry-After` when given, then works.
        case rateLimited(calls: Int, retryAfter: Int?)
        /// Answers every event 503.
        case down
    }

    struct State {
        var events: [Event] = []
        /// Alert status by routing key and dedup key: triggered, acknowledged, resolved.
        var alerts: [String: String] = [:]
        var behaviour = Behaviour.working
        var refused = 0
    }

    let state = Mutex(State())
    let server = Mutex<RunningServer?>(nil)

    public init() {}

    public var url: String { "http://127.0.0.1:\(server.withLock { $0?.port ?? 0 })/v2/enqueue" }
    public var events: [Event] { state.withLock { $0.events } }
    /// Requests answered with an error (400, 429, 503).
    public var refused: Int { state.withLock { $0.refused } }
    public func alert(routingKey: String, dedupKey: String) -> String? { state.withLock { $0.alerts[routingKey + "|" + dedupKey] } }
    public func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }

    public func start() async throws {
        let router = Router()
        router.post("/v2/enqueue") { request, _ -> Response in
            let body = Array((try await request.body.collect(upTo: 600_000)).readableBytesView)
            return self.enqueue(body)
        }
        let running = try await RunningServer.start(router, label: "fake-pagerduty")
        server.withLock { $0 = running }
    }

    public func stop() async { await server.withLock { $0 }?.stop() }

    func enqueue(_ body: [UInt8]) -> Response {
        let gate: Response? = state.withLock { state in
            switch state.behaviour {
            case .working: return nil
            case .down:
                state.refused += 1
                return Self.json(.serviceUnavailable, #"{"status":"unavailable","message":"Service unavailable"}"#)
            case .rateLimited(let calls, let after):
                state.behaviour = calls > 1 ? .rateLimited(calls: calls - 1, retryAfter: after) : .working
                state.refused += 1
                var response = Self.json(.tooManyRequests, #"{"status":"throttle event","message":"Requests for this service are arriving too quickly. Please retry later."}"#)
                if let after { response.headers[HTTPField.Name("Retry-After")!] = "\(after)" }
                return response
            }
        }
        if let gate { return gate }
        guard let json = JSONValue.parse(body), let event = json.object else { return invalid(["JSON parse error"]) }
        var errors: [String] = []
        let routingKey = event["routing_key"]?.string ?? ""
        if routingKey.count != 32 { errors.append("'routing_key' must be a 32 character integration key") }
        let action = event["event_action"]?.string ?? ""
        if !["trigger", "acknowledge", "resolve"].contains(action) { errors.append("'event_action' is invalid") }
        var dedupKey = event["dedup_key"]?.string
        if let key = dedupKey, key.count > 255 { errors.append("'dedup_key' is too long (max 255)") }
        if action != "trigger", dedupKey == nil { errors.append("'dedup_key' is required for \(action) events") }
        if action == "trigger" {
            let payload = event["payload"]?.object ?? [:]
            let summary = payload["summary"]?.string ?? ""
            if summary.isEmpty || summary.count > 1_024 { errors.append("'payload.summary' is missing or longer than 1024") }
            if (payload["source"]?.string ?? "").isEmpty { errors.append("'payload.source' is missing") }
            if !["critical", "error", "warning", "info"].contains(payload["severity"]?.string ?? "") {
                errors.append("'payload.severity' is invalid")
            }
            for link in event["links"]?.array ?? [] where (link["href"]?.string ?? "").isEmpty { errors.append("'links.href' is missing") }
        }
        guard errors.isEmpty else { return invalid(errors) }
        dedupKey = dedupKey ?? UUID().uuidString
        let key = dedupKey!
        state.withLock { state in
            state.events.append(Event(routingKey: routingKey, action: action, dedupKey: key, body: json))
            let alert = routingKey + "|" + key
            switch (action, state.alerts[alert]) {
            case ("trigger", nil), ("trigger", "resolved"?): state.alerts[alert] = "triggered"
            case ("acknowledge", "triggered"?): state.alerts[alert] = "acknowledged"
            case ("resolve", "triggered"?), ("resolve", "acknowledged"?): state.alerts[alert] = "resolved"
            default: break  // a repeat, or a follow-up with no open alert: dropped, as PagerDuty does
            }
        }
        return Self.json(.accepted, JSONValue.object(["status": "success", "message": "Event processed", "dedup_key": .string(key)]).text)
    }

    func invalid(_ errors: [String]) -> Response {
        state.withLock { $0.refused += 1 }
        return Self.json(.badRequest, JSONValue.object([
            "status": "invalid event", "message": "Event object is invalid", "errors": .array(errors.map(JSONValue.string)),
        ]).text)
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A v3 webhook body as PagerDuty sends it for `incident.acknowledged` (or another type).
    public static func webhookBody(id: String, type: String = "incident.acknowledged", incidentKey: String?) -> String {
        var data: [String: JSONValue] = [
            "id": "Q1PDINCIDENT", "type": "incident", "number": 42, "status": "acknowledged", "title": "incident-bot page",
            "html_url": "https://example.pagerduty.com/incidents/Q1PDINCIDENT",
        ]
        data["incident_key"] = incidentKey.map(JSONValue.string) ?? .null
        return JSONValue.object(["event": .object([
            "id": .string(id), "event_type": .string(type), "resource_type": "incident", "occurred_at": "2026-11-30T10:00:00.000Z",
            "agent": .object(["id": "PUSER01", "type": "user_reference", "summary": "Alice"]), "client": .null,
            "data": .object(data),
        ])]).text
    }
}
