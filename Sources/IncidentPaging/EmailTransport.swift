import IncidentCore
import IncidentEngine
import Logging

/// Pages (and direct messages, should one be routed here) as mail over SMTP. A mail server has
/// no idempotency key: a mail retried after a crash mid-send may arrive twice, with the same
/// Message-ID, so mail clients show it as one.
public struct EmailTransport: OutboxTransport {
    /// How long a page mail waits for its incident's room to exist, to link it.
    static var roomWait: Duration { .seconds(10) }

    public var method: ContactMethod { .email }
    let client: SMTPClient
    public var timeLimit: Duration? { client.settings.timeout }
    /// The sender address (`paging.email.from`).
    let from: String
    let links: AckLinks?
    let now: @Sendable () -> Timestamp
    let logger: Logger

    public init(client: SMTPClient, from: String, links: AckLinks?, now: @escaping @Sendable () -> Timestamp, logger: Logger) {
        self.client = client
        self.from = from
        self.links = links
        self.now = now
        self.logger = logger
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        try await delivering(job, logger: logger, fix: "mail cannot be sent: check paging.email and SMTP_USERNAME / SMTP_PASSWORD") {
            job throws(SMTPError) -> TransportReceipt in
            guard case .directMessage(let person, let message) = job.action else {
                throw SMTPError.permanent("mail carries pages and direct messages only")
            }
            guard let address = job.people[person]?.account else {
                throw SMTPError.permanent("@\(person) has no email address")
            }
            // The first page of an incident usually leaves with the room still being made: a
            // mail waits for it a little, so it can link it. Not a page queued "later" than
            // now: a replica whose clock runs ahead queued it, and the wait would be the skew.
            // Not for someone with no chat account either, whose mail links no room (`PageMail`).
            if job.page != nil, job.recipientTypesCommands, job.incidentRooms.isEmpty, let queued = job.queuedAt, now() >= queued, now() - queued < Self.roomWait {
                throw SMTPError.waitingForRoom
            }
            var ackLink: (url: String, expires: Timestamp)?
            if let links, let page = job.page, let incident = job.incident, let queued = job.queuedAt {
                ackLink = (links.link(incident: incident, person: page.person, page: job.key, method: .email, queuedAt: queued,
                                      declaredAt: job.incidentDeclaredAt),
                           queued + links.validity)
            }
            let mail = PageMail(from: from, to: address, message: job.forItsReader(message), page: job.page, rooms: job.incidentRooms,
                                typesCommands: job.recipientTypesCommands, commandPrefix: job.recipientCommandPrefix, ackLink: ackLink, incident: job.incident, key: job.key,
                                queuedAt: job.queuedAt, identity: links?.key, date: now())
            try await client.send(from: from, to: address, data: mail.rendered)
            return .delivered
        }
    }
}

extension SMTPError: PlatformError {
    public var transportError: TransportError {
        switch self {
        case .temporary(let reason), .setup(let reason): .unavailable(reason)
        case .permanent(let reason): .rejected(reason)
        case .waitingForRoom: .notYet("waiting for the incident room, to link it", retryAfter: .seconds(1))
        }
    }

    public var isSetupError: Bool {
        if case .setup = self { true } else { false }
    }
}
