import Crypto
import HTTPTypes
import Hummingbird
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentPolicy
import IncidentRules
import IncidentWire
import Logging

/// `POST /webhooks/pagerduty`: PagerDuty's v3 webhooks. A request is taken only with a valid
/// `X-PagerDuty-Signature` (HMAC-SHA256 of the raw body under the subscription's secret; one of
/// several during a secret rotation), checked before the body is read as JSON. An
/// `incident.acknowledged` for an incident the bot triggered (its `incident_key` is the
/// bot's `dedup_key`, with the tag only the routing key gives) and was acknowledged by a PagerDuty user (not by the bot's own event)
/// acknowledges the bot's incident as the person paged at that level, once per webhook id,
/// when that page can go through PagerDuty. Everything else verified is answered 200 and left
/// alone, so PagerDuty does not retry it.
public struct PagerDutyWebhook<Clock: IncidentClock>: Sendable {
    public static var path: String { "/webhooks/pagerduty" }

    let engine: Engine<Clock>
    let secrets: [Secret]
    /// The routing keys by the environment variable the roster names: a key's tag is checked
    /// against the one its page went to.
    let routingKeys: [String: Secret]
    let maxBody: Int
    let readTimeout: Duration
    let logger: Logger
    /// Anyone can reach the door: its refusals are logged at most every 10 s.
    let refusals = RefusalLog(door: "pagerduty", reasons: [.signature, .tooLarge, .tooSlow, .busy])

    public init(engine: Engine<Clock>, secrets: [Secret], routingKeys: [String: Secret], maxBody: Int, readTimeout: Duration,
                logger: Logger) {
        self.engine = engine
        self.secrets = secrets
        self.routingKeys = routingKeys
        self.maxBody = maxBody
        self.readTimeout = readTimeout
        self.logger = logger
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(Self.path)) { request, _ -> Response in
            await self.receive(request)
        }
    }

    func receive(_ request: Request) async -> Response {
        let body: [UInt8]
        switch await LimitedBody.read(request, upTo: maxBody, within: readTimeout) {
        case .body(let read): body = read
        case let refused: return refusals.answer(refused)
        }
        guard verify(request.headers[HTTPField.Name("X-PagerDuty-Signature")!], body: body) else {
            refusals.warning("PagerDuty webhook refused: not signed with PAGERDUTY_WEBHOOK_SECRET", reason: .signature, at: engine.clock.now, logger: logger)
            return Answers.text(.unauthorized, "signature does not match\n")
        }
        guard let json = JSONValue.parse(body), let event = json["event"]?.object, let id = event["id"]?.string,
              let type = event["event_type"]?.string else {
            return Answers.text(.badRequest, "not a PagerDuty v3 webhook event\n")
        }
        guard type == "incident.acknowledged" else { return Answers.json(.ok, #"{"ignored":true}"#) }
        // Only a person acknowledging in PagerDuty counts. The bot's own `acknowledge` events
        // (sent when the incident was acknowledged elsewhere) come back with another agent.
        guard event["agent"]?["type"]?.string == "user_reference" else { return Answers.json(.ok, #"{"ignored":true}"#) }
        guard let incidentKey = event["data"]?["incident_key"]?.string, let key = PagerDutyKey(incidentKey) else {
            logger.info("PagerDuty acknowledged an incident the bot did not trigger; ignored", metadata: ["event.id": "\(id)"])
            return Answers.json(.ok, #"{"ignored":true}"#)
        }
        do {
            let level = LevelRef(ladder: key.ladder, level: key.level)
            // The person the key names, if they were paged at that level (a key without one,
            // made by an older version, means the level's latest), and only when that page can
            // go through PagerDuty (the person's or the level's service): a key is easy to
            // guess, and anyone who may make PagerDuty incidents could otherwise make one with
            // the key of a page that goes by phone or chat, and acknowledge it.
            let found = try await engine.store.read { records in
                try records.incident(key.incident).map { stored in
                    (stored.incident.pages.last { $0.level == level && (key.person == nil || $0.person == key.person) }?.person,
                     stored.incident.declaredAt)
                }
            }
            guard let found, let person = found.0 else {
                logger.notice("PagerDuty acknowledged a page the bot has no record of; ignored", metadata: ["dedup_key": "\(incidentKey)"])
                return Answers.json(.ok, #"{"ignored":true}"#)
            }
            guard let variable = engine.directory.address(for: PagedLevel(person: person, ladder: key.ladder, level: key.level), on: .pagerduty)
            else {
                logger.warning("PagerDuty acknowledged a page that does not go through PagerDuty; ignored",
                               metadata: ["dedup_key": "\(incidentKey)", "event.id": "\(id)"])
                return Answers.json(.ok, #"{"ignored":true}"#)
            }
            // The tag says the alert is this incident's, not the one of a lost database's of the
            // same number (a restored backup).
            guard let routingKey = routingKeys[variable], key.isSigned(by: routingKey, declaredAt: found.1) else {
                logger.warning("PagerDuty acknowledged an incident whose key the bot did not sign (made by hand, or by a version before keys were signed); ignored: acknowledge in chat", metadata: ["dedup_key": "\(incidentKey)", "event.id": "\(id)"])
                return Answers.json(.ok, #"{"ignored":true}"#)
            }
            let outcome = try await engine.acknowledge(PageAnswer(method: .pagerduty, id: "event:" + id, person: person,
                                                                  incident: key.incident, how: "PagerDuty"))
            return Answers.json(.ok, JSONValue.object(["outcome": .string(outcome.disposition.rawValue)]).text)
        } catch {
            // PagerDuty retries a 5xx: the acknowledgement is not lost.
            logger.error("cannot record a PagerDuty acknowledgement", metadata: ["error": "\(error)"])
            return Answers.text(.serviceUnavailable, "try again\n")
        }
    }

    /// One `v1=<hex>` of the header must be the HMAC-SHA256 of the body under one of the secrets.
    func verify(_ header: String?, body: [UInt8]) -> Bool {
        guard let header, header.utf8.count <= 4_096 else { return false }
        let macs = header.split(separator: ",").compactMap { part -> [UInt8]? in
            let trimmed = part.trimmingPrefix(while: \.isWhitespace)
            guard trimmed.hasPrefix("v1=") else { return nil }
            return Hex.bytes(trimmed.dropFirst(3)).flatMap { $0.count == SHA256.byteCount ? $0 : nil }
        }
        return secrets.contains { secret in
            macs.contains { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: body, using: SymmetricKey(data: Array(secret.value.utf8))) }
        }
    }
}
