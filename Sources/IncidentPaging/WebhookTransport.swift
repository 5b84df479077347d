import Crypto
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentWire
import Logging

/// Pages as a signed JSON POST to a team's own endpoint (an Opsgenie or ntfy bridge, an
/// internal pager). The body names the incident, the person (and their `webhook` id from the
/// roster), why they are paged, and the acknowledge link: POSTing to that link acknowledges, as
/// its button would. Each request carries `Idempotency-Key` (stable across retries, unlike
/// another database's: `idempotencyKey`; in the signed body too, as `idempotency_key`) and
/// `X-Incident-Bot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under
/// `WEBHOOK_SIGNING_SECRET`, so the receiver can check it came from the bot, recently, and
/// drop a retry it already has.
public struct WebhookTransport: OutboxTransport {
    public var method: ContactMethod { .webhook }
    let http: ProviderHTTP
    public var timeLimit: Duration? { http.timeout }
    let url: String
    let secret: Secret
    let links: AckLinks?
    let now: @Sendable () -> Timestamp
    let logger: Logger

    public init(url: String, secret: Secret, links: AckLinks?, now: @escaping @Sendable () -> Timestamp, logger: Logger) {
        http = ProviderHTTP()
        self.url = url
        self.secret = secret
        self.links = links
        self.now = now
        self.logger = logger
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        guard case .directMessage(let person, let message) = job.action else {
            throw .rejected("the webhook carries pages and direct messages only")
        }
        let idempotencyKey = Self.idempotencyKey(job, identity: links?.key)
        var shown = job.readerText(message)
        // Without a public address the page carries no link; someone with no chat account is
        // told that no answer can be taken, as a mail or a text tells them.
        if links == nil, !job.recipientTypesCommands, job.page?.asksForAcknowledgement == true, let incident = job.incident {
            shown += "\n" + PageAnswers.cannotAcknowledge(incident, by: "this message")
        }
        var body: [String: JSONValue] = [
            "type": job.page == nil ? "message" : "page",
            "key": .string(job.key),
            // The header's key again, under the signature: a captured request replayed under
            // another header key is still the same page to a receiver that drops by this one.
            "idempotency_key": .string(idempotencyKey),
            "person": .string(person.rawValue),
            "text": .string(shown),
        ]
        if let address = job.people[person]?.account { body["address"] = .string(address) }
        if let incident = job.incident { body["incident"] = .string("INC-\(incident)") }
        if let page = job.page {
            body["ladder"] = .string(page.ladder)
            body["level"] = .string(page.level)
            body["role"] = .string(page.role)
            if let severity = page.severity { body["severity"] = .string(severity.rawValue) }
            if let links, page.asksForAcknowledgement, let incident = job.incident, let queued = job.queuedAt {
                body["acknowledge_url"] = .string(links.link(incident: incident, person: person, page: job.key, method: .webhook,
                                                             queuedAt: queued, declaredAt: job.incidentDeclaredAt))
            }
        }
        let text = JSONValue.object(body).text
        let answer = try await http.send(.POST, url, headers: [
            ("Content-Type", "application/json"), ("Idempotency-Key", idempotencyKey),
            ("X-Incident-Bot-Signature", Self.signature(body: text, at: now(), secret: secret)),
        ], body: Array(text.utf8), provider: "the webhook")
        guard (200..<300).contains(answer.status) else { throw ProviderHTTP.failure(answer, provider: "the webhook", logger: logger) }
        return .delivered
    }

    /// `INC-4/12@webhook/<32 hex digits>` (`TransportJob.sendKey`): with the bare outbox key, a
    /// receiver that drops keys it has seen dropped the first page of a fresh or restored
    /// database's INC-1.
    static func idempotencyKey(_ job: TransportJob, identity: SymmetricKey?) -> String {
        job.sendKey(identity: identity)
    }

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
    public static func signature(body: String, at instant: Timestamp, secret: Secret) -> String {
        let stamp = "\(instant.secondsSinceEpoch)"
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(stamp).\(body)".utf8), using: SymmetricKey(data: Array(secret.value.utf8)))
        return "t=\(stamp),v1=\(Hex.string(mac))"
    }
}
