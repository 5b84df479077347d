import Crypto
import IncidentCore
import IncidentEngine
import IncidentWire
import Logging

/// Pages through PagerDuty's Events API v2: a page triggers an event keyed by incident, level
/// and person (`PagerDutyKey`), so a repeat of the same level is the same PagerDuty incident,
/// not a new one; settled pages acknowledge or resolve it (a handed-over one resolves only the
/// outgoing person's, even when both share a routing key). The routing key is per person: the roster
/// names the environment variable that holds it.
public struct PagerDutyTransport: OutboxTransport {
    public var method: ContactMethod { .pagerduty }
    let http: ProviderHTTP
    public var timeLimit: Duration? { http.timeout }
    /// `https://events.pagerduty.com/v2/enqueue` (`PAGERDUTY_EVENTS_URL` overrides it).
    let eventsURL: String
    /// Routing keys by the environment variable the roster names.
    let routingKeys: [String: Secret]
    let links: AckLinks?
    let logger: Logger

    public init(eventsURL: String, routingKeys: [String: Secret], links: AckLinks?, logger: Logger) {
        http = ProviderHTTP()
        self.eventsURL = eventsURL
        self.routingKeys = routingKeys
        self.links = links
        self.logger = logger
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        switch job.action {
        case .directMessage(let person, let message):
            guard let page = job.page, let incident = job.incident else {
                throw .rejected("PagerDuty takes pages only, not other messages")
            }
            let key = try routingKey(person, job)
            var payload: [String: JSONValue] = [
                "summary": .string(String(message.lines.first.map { Message(lines: [$0]).plainText() }?.prefix(1_024) ?? "incident-bot page")),
                "source": "incident-bot",
                "severity": .string(Self.severity(page.severity)),
                "custom_details": .object([
                    "incident": .string("INC-\(incident)"), "role": .string(page.role), "ladder": .string(page.ladder),
                    "level": .string(page.level), "message": .string(job.readerText(message)),
                ]),
            ]
            payload["component"] = .string("INC-\(incident)")
            var event: [String: JSONValue] = [
                "routing_key": .string(key.value), "event_action": "trigger",
                "dedup_key": .string(PagerDutyKey(incident: incident, ladder: page.ladder, level: page.level, person: person)
                    .signed(with: key, declaredAt: job.incidentDeclaredAt).text),
                "payload": .object(payload), "client": "incident-bot",
            ]
            if let links, let queued = job.queuedAt {
                let link = links.link(incident: incident, person: person, page: job.key, method: .pagerduty, queuedAt: queued,
                                      declaredAt: job.incidentDeclaredAt)
                event["links"] = .array([.object(["href": .string(link), "text": "Acknowledge in incident-bot"])])
                event["client_url"] = .string(links.publicURL)
            }
            try await send(event)
        case .settle(let settlement):
            guard let incident = job.incident else { throw .rejected("a settlement names no incident") }
            for paged in settlement.pages {
                let key = try routingKey(paged.person, job)
                let unsigned = PagerDutyKey(incident: incident, ladder: paged.ladder, level: paged.level, person: paged.person)
                // Also under the keys earlier versions gave a page, for an incident they paged
                // that is still open after an upgrade: 0.13.0's, one per level with no person
                // and no tag, and 0.14's development builds' (a tag without the declaration).
                // A follow-up with no open alert is dropped by PagerDuty.
                var keys = [unsigned.signed(with: key, declaredAt: job.incidentDeclaredAt)]
                if job.incidentDeclaredAt != nil { keys.append(unsigned.signed(with: key, declaredAt: nil)) }
                keys.append(PagerDutyKey(incident: incident, ladder: paged.ladder, level: paged.level, person: nil))
                for dedup in keys {
                    try await send([
                        "routing_key": .string(key.value),
                        "event_action": .string(settlement.outcome == .acknowledged ? "acknowledge" : "resolve"),
                        "dedup_key": .string(dedup.text),
                    ])
                }
            }
        default:
            throw .rejected("PagerDuty takes pages only, not room messages")
        }
        return .delivered
    }

    func routingKey(_ person: PersonID, _ job: TransportJob) throws(TransportError) -> Secret {
        guard let variable = job.people[person]?.account else { throw .rejected("@\(person) has no PagerDuty routing key in the roster") }
        guard let key = routingKeys[variable] else { throw .rejected("\(variable) (@\(person)'s PagerDuty routing key) is not set") }
        return key
    }

    func send(_ event: [String: JSONValue]) async throws(TransportError) {
        let answer = try await http.send(.POST, eventsURL, headers: [("Content-Type", "application/json")],
                                         body: Array(JSONValue.object(event).text.utf8), provider: "PagerDuty",
                                         secrets: [event["routing_key"]?.string].compactMap { $0 }.map(Secret.init))
        guard answer.status == 202 else {
            // A 400 is logged as an error there: for PagerDuty, mostly a wrong routing key.
            throw ProviderHTTP.failure(answer, provider: "PagerDuty", check: "the routing key", logger: logger)
        }
    }

    /// PagerDuty's severities by ours: P0 critical, P1 error, P2 warning, P3 info.
    static func severity(_ severity: Severity?) -> String {
        switch severity {
        case .p0?, nil: "critical"
        case .p1?: "error"
        case .p2?: "warning"
        case .p3?: "info"
        }
    }
}

/// The `dedup_key` of the PagerDuty event for one incident, ladder level and person,
/// `incident-bot/INC-4/engineering/L2/bob/<tag>`: stable across repeats and retries, and read
/// back from a webhook's `incident_key` to find the incident and level. The tag is an HMAC of
/// the rest and of when the incident was declared, under the routing key the page went to:
/// - the rest is easy to guess, and anyone who may make PagerDuty incidents could otherwise
///   make one with the key of a real page, and acknowledge it in the name of the person paged
///   (and, through the bot, their real alert);
/// - a database restored from a backup numbers its next incident as the lost one did, whose
///   alert may still be open in PagerDuty: a trigger with that alert's key would be taken as
///   a repeat of it, and notify nobody.
public struct PagerDutyKey: Hashable, Sendable {
    public var incident: Int
    public var ladder: String
    public var level: String
    /// Whose page: two people paged at one level (a rotation handed over) have an incident
    /// each, even on one routing key, and closing one leaves the other. nil in keys made
    /// before it was part of them.
    public var person: PersonID?
    /// 16 hex digits (`signed(with:)`); nil in keys made before it was part of them, which a
    /// webhook no longer takes.
    public var tag: String?

    public init(incident: Int, ladder: String, level: String, person: PersonID?, tag: String? = nil) {
        self.incident = incident
        self.ladder = ladder
        self.level = level
        self.person = person
        self.tag = tag
    }

    /// The key without its tag: what the tag signs.
    var unsigned: String { "incident-bot/INC-\(incident)/\(ladder)/\(level)" + (person.map { "/\($0)" } ?? "") }

    /// `incident-bot/INC-12/engineering/L1/alice/0f3a...`.
    public var text: String { unsigned + (tag.map { "/\($0)" } ?? "") }

    /// This key with the tag `routingKey` gives it for the incident declared at `declaredAt`
    /// (nil: the tag of versions before 0.14, which left the declaration out).
    public func signed(with routingKey: Secret, declaredAt: Timestamp?) -> PagerDutyKey {
        var signed = self
        signed.tag = expectedTag(routingKey, declaredAt: declaredAt)
        return signed
    }

    /// Whether the tag is the one `routingKey` gives for the incident declared at
    /// `declaredAt`, or the one versions before 0.14 gave, compared in constant time.
    public func isSigned(by routingKey: Secret, declaredAt: Timestamp) -> Bool {
        guard let tag else { return false }
        let given = Array(tag.utf8)
        // Both compared, whichever matches: the time taken says nothing of either.
        let matches = [declaredAt, nil].map { declared in
            let expected = Array(expectedTag(routingKey, declaredAt: declared).utf8)
            return expected.count == given.count && zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
        return matches.contains(true)
    }

    func expectedTag(_ routingKey: Secret, declaredAt: Timestamp?) -> String {
        let signed = unsigned + (declaredAt.map { "@\($0.secondsSinceEpoch)" } ?? "")
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: SymmetricKey(data: Array(routingKey.value.utf8)))
        return String(Hex.string(mac).prefix(16))
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0] == "incident-bot", parts[1].hasPrefix("INC-"), let number = Int(parts[1].dropFirst(4)),
              number > 0, !parts[2].isEmpty, !parts[3].isEmpty, parts.dropFirst(4).allSatisfy({ !$0.isEmpty && !$0.contains("/") })
        else { return nil }
        self.init(incident: number, ladder: String(parts[2]), level: String(parts[3]),
                  person: parts.count >= 5 ? PersonID(String(parts[4])) : nil, tag: parts.count == 6 ? String(parts[5]) : nil)
    }
}
