import IncidentCore
import Synchronization
import Logging

/// The outbound half of a contact method: carries out one job the delivery service took from
/// the outbox. Implementations hold no incident state; they render and send.
public protocol OutboxTransport: Sendable {
    var method: ContactMethod { get }
    /// Whether delivery may send several items of a lane before recording them: true where a
    /// repeat after a crash is found and dropped (Slack's history, Matrix's txnId) or harmless
    /// (the console's transcript). Elsewhere (mail, texts, calls) a lane has one item sent and
    /// unrecorded at a time, the one a crash may repeat.
    var sendsAhead: Bool { get }
    /// How long one attempt may take before it is given up unanswered: an attempt that took
    /// this long got no answer at all (`Delivery.settle`). nil: no single limit (a chat page is
    /// several calls); `Delivery.unansweredAttempt` stands for it.
    var timeLimit: Duration? { get }
    /// Whether the platform links a room its messages name when given the room's id
    /// (`TransportJob.roomLinks`): delivery looks the ids up only for those that do.
    var linksRooms: Bool { get }
    func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt
}

extension OutboxTransport {
    public var sendsAhead: Bool { false }
    public var timeLimit: Duration? { nil }
    public var linksRooms: Bool { false }
}

/// A chat platform's transport: rooms, posts, invites, direct messages and pages.
public protocol ChatTransport: OutboxTransport {
    var platform: Platform { get }
}

extension ChatTransport {
    public var method: ContactMethod { ContactMethod(platform) }
}

/// A platform client's error, as delivery must see it.
public protocol PlatformError: Error {
    /// Retry later or give up.
    var transportError: TransportError { get }
    /// The operator's to fix (a refused token, a missing scope): retried, and logged as an error.
    var isSetupError: Bool { get }
}

extension OutboxTransport {
    /// `deliver` around a platform's own calls: a setup error is logged with `fix` (what the
    /// operator must change), and every error becomes the `TransportError` delivery acts on.
    public func delivering<Failure: PlatformError>(_ job: TransportJob, logger: Logger, fix: String,
                                                   _ perform: (TransportJob) async throws(Failure) -> TransportReceipt)
        async throws(TransportError) -> TransportReceipt {
        do {
            return try await perform(job)
        } catch {
            if error.isSetupError { logger.error("\(fix)", metadata: ["error": "\(error)"]) }
            throw error.transportError
        }
    }
}

/// One outbox item, resolved for its contact method: rooms are the platform's room ids and
/// every person the job names or mentions comes with their address for the method (their
/// account on a chat platform, their mail address, phone number, ...).
public struct TransportJob: Hashable, Sendable {
    /// Stable across retries: a platform that supports idempotency (Matrix `txnId`) uses it so
    /// a retried send is never shown twice.
    public var key: String
    public var action: Action
    /// Everyone the job invites, messages or mentions.
    public var people: [PersonID: Contact]
    /// The page when the job is one (a direct message that must get through): who is paged,
    /// on which ladder and level, for what role. Pager methods need it to say why the person
    /// is woken and to key the provider's event (PagerDuty's `dedup_key`).
    public var page: Page?
    /// Whether the person a direct message or page goes to can type the bot's commands
    /// (`Contact.typesCommands`).
    public var recipientTypesCommands: Bool {
        guard case .directMessage(let person, _) = action else { return true }
        return people[person]?.typesCommands ?? true
    }

    /// `message` as its reader can act on it: a page to someone who cannot type the bot's
    /// commands without the lines that ask them to (`Acknowledge with /ack INC-4.`); each
    /// method says how to answer where it lands instead.
    public func forItsReader(_ message: Message) -> Message {
        recipientTypesCommands || page == nil ? message : message.withoutCommandLines
    }

    /// What the person a direct message or page goes to starts commands with (`Contact.commandPrefix`).
    public var recipientCommandPrefix: String {
        guard case .directMessage(let person, _) = action else { return "/" }
        return people[person]?.commandPrefix ?? "/"
    }

    /// `forItsReader` as plain text, its commands as the reader types them.
    public func readerText(_ message: Message) -> String {
        forItsReader(message).plainText(commandPrefix: recipientCommandPrefix)
    }
    /// The incident the job is about, if any (Slack puts it in the value of a page's buttons).
    public var incident: Int?
    /// Whether an earlier attempt may have reached the platform without being recorded. A
    /// platform with no idempotency key (Slack) looks for the job's key before sending again.
    public var doubt: SendDoubt
    public var maybeSent: Bool { doubt != .none }
    /// With `doubt` `earlierDelivery`: how long a send the earlier delivery made may still be
    /// landing (`Delivery.landingWindow`, counted from this delivery's start). A look for
    /// the job's key that finds nothing before then is no answer yet: the dead process's
    /// request may still be in the platform's hands, and a job sent again at once was shown
    /// twice.
    /// nil: an earlier send has landed by now, if it was made.
    public var earlierSendMayLandWithin: Duration?
    /// When the job was queued: a room made before it cannot be the room it made.
    public var queuedAt: Timestamp?
    /// For a room creation: ids of this platform's rooms already bound to incidents, which a
    /// retried creation must not take for its own.
    public var boundRooms: Set<String>
    /// For a page off chat (mail, a text): the incident's room on each chat platform, to link.
    public var incidentRooms: [Platform: String] = [:]
    /// On a platform that `linksRooms`: this platform's id of each room the message names, by
    /// the name it shows, so a person opens the room from the page instead of searching for
    /// it. A room not made there yet is left out (shown by name).
    public var roomLinks: [String: String] = [:]
    /// For a page or a settlement off chat: when its incident was declared. It tells the
    /// incident from another database's of the same number (a restored backup numbers its next
    /// incident as the lost one did), so a provider's key for the incident (PagerDuty's
    /// `dedup_key`) is not the lost incident's, whose alert may still be open.
    public var incidentDeclaredAt: Timestamp?
    /// For a room creation made private since it was queued (the incident turned private
    /// before its room was made): the name it was queued under, public. An earlier attempt
    /// that reached the platform may have made a public room under it, named after the title.
    public var publicNameBefore: String?
    /// With `publicNameBefore`: the room names other incidents of that day hold (as asked for,
    /// or as made), which the public room an earlier attempt made cannot have.
    public var othersRoomNames: Set<String> = []

    public init(key: String, action: Action, people: [PersonID: Contact], page: Page? = nil, incident: Int? = nil,
                doubt: SendDoubt = .none, queuedAt: Timestamp? = nil,
                boundRooms: Set<String> = []) {
        self.key = key
        self.action = action
        self.people = people
        self.page = page
        self.incident = incident
        self.doubt = doubt
        self.queuedAt = queuedAt
        self.boundRooms = boundRooms
    }

    public enum Action: Hashable, Sendable {
        /// `isPrivate`: a private Slack channel, a Matrix room closed to guests.
        case createRoom(name: String, topic: Message, invite: [PersonID], isPrivate: Bool = false)
        case invite(room: String, [PersonID])
        case setTopic(room: String, Message)
        case post(room: String, Message)
        case directMessage(to: PersonID, Message)
        /// The answer to a command, for the person who typed it, in the room they typed it in.
        case reply(room: String, user: String, Message)
        /// Pages that are over (one person's), for a provider that keeps its own incident per
        /// page; the router sends these to such providers only.
        case settle(PageSettlement)

        /// The message shown as text (a topic is plain, and links nothing).
        public var shownMessage: Message? {
            switch self {
            case .post(_, let message), .directMessage(_, let message), .reply(_, _, let message): message
            case .createRoom, .invite, .setTopic, .settle: nil
            }
        }

        /// The action with its messages' rooms renamed (`Message.renamingRooms`).
        public func renamingRooms(_ names: [String: String]) -> Action {
            switch self {
            case .createRoom(let name, let topic, let invite, let isPrivate):
                .createRoom(name: name, topic: topic.renamingRooms(names), invite: invite, isPrivate: isPrivate)
            case .setTopic(let room, let topic): .setTopic(room: room, topic.renamingRooms(names))
            case .post(let room, let message): .post(room: room, message.renamingRooms(names))
            case .directMessage(let person, let message): .directMessage(to: person, message.renamingRooms(names))
            case .reply(let room, let user, let message): .reply(room: room, user: user, message.renamingRooms(names))
            case .invite, .settle: self
            }
        }
    }
}

/// A person as one contact method knows them.
public struct Contact: Hashable, Sendable {
    public var person: PersonID
    /// How the bot names them in plain text: `@alice`.
    public var handle: String
    /// Their address for the job's method: a chat account (`U0ALICE01`, `@alice:example.org`),
    /// a mail address, a phone number; nil when they have none there.
    public var account: String?
    /// Whether they can type the bot's commands: they have an account on a chat platform this
    /// process serves. Someone reached only by mail, text or call is told how to answer there,
    /// never to type `/ack` in a chat they are not in.
    public var typesCommands: Bool
    /// What their commands start with where they type them (`Platform.commandPrefix`): `!` for
    /// someone whose only chat here is Matrix, whose page by mail or text must not ask for a
    /// `/ack` their client takes for one of its own.
    public var commandPrefix: String

    public init(person: PersonID, handle: String, account: String?, typesCommands: Bool = true, commandPrefix: String = "/") {
        self.person = person
        self.handle = handle
        self.account = account
        self.typesCommands = typesCommands
        self.commandPrefix = commandPrefix
    }
}

/// What a transport reports back.
/// Why a job may have reached its platform already.
public enum SendDoubt: Hashable, Sendable {
    case none
    /// A delivery before this one (another process, or an earlier leader term of this one) may
    /// have sent it and stopped before recording it: it is among the first
    /// `Delivery.unrecordedPerLane` of its lane this delivery tries, queued before it started.
    /// Whatever that delivery sent, it sent before `run` started.
    case earlierDelivery(run: DeliveryRun)
    /// This job was tried before and failed, perhaps after reaching the platform (a lost answer).
    case earlierAttempt
}

/// One `Delivery`'s life, told apart from the others a process has had.
public struct DeliveryRun: Hashable, Sendable {
    let number: UInt64
    private static let counter = Atomic<UInt64>(0)

    static func next() -> DeliveryRun {
        DeliveryRun(number: counter.add(1, ordering: .relaxed).newValue)
    }
}

public enum TransportReceipt: Hashable, Sendable {
    case delivered
    /// Posted, but these people it calls on (a nudge's IC, a reminder's owner) are not in the
    /// room: only invited, or gone from it. The platform tells them nothing of a room they
    /// have not joined (Matrix), so delivery queues each a direct copy (`Incident.messageUnseen`).
    case deliveredUnseen(by: [PersonID])
    /// The room now exists, with this platform id and name (a taken name gets a suffix).
    case roomCreated(id: String, name: String)
}

/// Why a job did not go through.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Worth retrying: the platform is down, slow or rate limiting; `retryAfter` is its hint.
    case unavailable(String, retryAfter: Duration? = nil)
    /// Never worth retrying as it is (no such channel, no account on this platform).
    case rejected(String)
    /// The bot's own credentials or setup are refused (a revoked token, a missing scope): no
    /// fault of the message, and the operator's to fix. A message waits for it, retried at
    /// the backoff's pace and never given up; a page fails over as from a method that is down.
    case misconfigured(String)
    /// Not a failure: the job is better sent a moment later (a mail waiting for its incident's
    /// room to exist, to link it). Not counted as an attempt.
    case notYet(String, retryAfter: Duration)

    /// A rate limit: `unavailable` with the platform's hint, at least a second, and a second
    /// when it gave none (a proxy's bare 429, Slack's `rate_limited` in a 200). A hint is how
    /// delivery tells a rate limit from a platform that does not answer (`Delivery.mayHang`).
    public static func rateLimited(_ reason: String, retryAfter: Duration?) -> TransportError {
        .unavailable(reason, retryAfter: max(retryAfter ?? .seconds(1), .seconds(1)))
    }

    public var description: String {
        switch self {
        case .notYet(let reason, let after): "not yet: \(reason) (again in \(DurationText.format(after)))"
        case .unavailable(let reason, let after): "unavailable: \(reason)" + (after.map { " (retry after \(DurationText.format($0)))" } ?? "")
        case .rejected(let reason): "rejected: \(reason)"
        case .misconfigured(let reason): "refused the bot's setup: \(reason)"
        }
    }
}
