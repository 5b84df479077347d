import IncidentCore
import IncidentRules

/// Where incidents live: the port the SQLite store (and any later one) implements.
///
/// All reading and writing happens inside `write` or `read`, whose body runs in one database
/// transaction: the engine reads an incident, decides and writes the result in the same
/// transaction, so two events can never interleave between the read and the write, and a
/// crash leaves either all of a decision or none of it.
public protocol IncidentStore: Sendable {
    func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T
    /// `write`, but a wait before it could commit ends once `isLate` says so, with
    /// `TooLateToCommit` and nothing written: a slash command's answer is due in 3 s, and
    /// SQLite waits 10 for another process's lock, PostgreSQL up to 20 for a server that
    /// stopped answering. SQLite gives up a transaction that has not begun; PostgreSQL one that
    /// has not sent its COMMIT, wherever it waits (queued, connecting, for the lock).
    func write<T: Sendable>(givingUpWhen isLate: @escaping @Sendable () -> Bool,
                            _ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T
    func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T
    /// How many write transactions have committed on the database since this process opened
    /// it, counted as each commits, when nothing outside this process changes its incidents
    /// (SQLite, which one bot process holds at a time); nil when something may (PostgreSQL,
    /// shared by replicas). The same count before a read and later means no incident changed
    /// in between: what the read found still holds.
    var commitCount: Int? { get }
}

extension IncidentStore {
    public var commitCount: Int? { nil }

    /// A store that waits for no lock of another process's (the tests' stores) writes as usual.
    public func write<T: Sendable>(givingUpWhen isLate: @escaping @Sendable () -> Bool,
                                   _ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await write(body)
    }
}

/// An incident as stored: its state and the platform it was declared on (where its room is).
public struct StoredIncident: Hashable, Sendable {
    public var incident: Incident
    public var home: Platform

    public init(incident: Incident, home: Platform) {
        self.incident = incident
        self.home = home
    }
}

/// The records of one open transaction. Synchronous: it runs on the store's own connection.
public protocol IncidentRecords {
    // Seen events, by the door they came through (a chat platform, or the pager method an
    // acknowledgement answered): each is acted on once.
    func isSeen(_ door: ContactMethod, eventID: String) throws -> Bool
    /// Which of `eventIDs` are seen: a batch's events looked up at once (one round trip to a
    /// database server instead of one an event).
    func seen(_ door: ContactMethod, among eventIDs: [String]) throws -> Set<String>
    func markSeen(_ door: ContactMethod, eventID: String, at: Timestamp) throws
    /// Forgets events seen before `instant`; returns how many.
    func pruneSeen(before instant: Timestamp) throws -> Int

    // Incidents.
    /// The number the next declared incident gets; `save` of that incident takes it for good.
    func nextIncidentNumber() throws -> Int
    func incident(_ number: Int) throws -> StoredIncident?
    func incident(roomName: String) throws -> StoredIncident?
    /// The incident whose room on `platform` has the platform id `roomID`.
    func incident(platform: Platform, roomID: String) throws -> StoredIncident?
    /// Every incident not closed; `skippingUnreadable`: rows this version cannot read left out
    /// (else one throws `UnreadableRow`).
    func openIncidents(skippingUnreadable: Bool) throws -> [StoredIncident]
    /// Every incident not closed that this version can read, and the numbers of those it
    /// cannot (a newer version's rows): for `/incident list`, which must not hide them.
    func openIncidentsCounted() throws -> (readable: [StoredIncident], unreadable: [Int])
    /// Incidents declared at or after `instant`, by number, and the numbers of those this
    /// version cannot read (left out, to be counted, not to fail the list).
    func incidents(declaredSince instant: Timestamp) throws -> (readable: [StoredIncident], unreadable: [Int])
    /// The room names in use (never reused) that a new room could collide with, through an index.
    func roomNames(_ collisions: RoomName.Collisions) throws -> Set<String>
    /// Inserts or replaces the incident, with its roles and its next due time.
    func save(_ incident: StoredIncident) throws
    func appendTimeline(_ entries: [TimelineEntry], incident: Int) throws
    func timeline(incident: Int) throws -> [TimelineEntry]

    // Scheduling.
    /// The earliest time anything of any incident is due, leaving out the incidents numbered
    /// in `skipping` (rows the scheduler found it cannot read).
    func earliestDue(skipping: Set<Int>) throws -> Timestamp?
    /// Incidents with something due at or before `instant`, the longest overdue first, leaving
    /// out `skipping`; a due row that cannot be read comes back apart, with why, instead of
    /// failing the others.
    func incidentsDue(at instant: Timestamp, limit: Int, skipping: Set<Int>) throws -> DueIncidents

    // Outbox.
    func enqueue(_ items: [OutboxItem]) throws
    /// The contact methods of the items this transaction has queued so far (on PostgreSQL
    /// also of any it offered that were in the outbox already): whose delivery loops its
    /// commit wakes.
    var queuedMethods: Set<ContactMethod> { get }
    /// Pending items, oldest first; rows that cannot be decoded are left out.
    func pendingOutbox(limit: Int) throws -> [OutboxItem]
    /// The first `perLane` pending items of every lane (oldest first within a lane), however
    /// long other lanes are, and the pending rows that cannot be decoded.
    func outboxHeads(perLane: Int) throws -> OutboxHeads
    /// The id of the newest outbox item: it moves whenever anything is queued.
    func latestOutboxID() throws -> Int64
    /// When this database is a copy `incident-bot backup` made, the id of the newest outbox
    /// item it held then: the database it was copied from may have delivered any of them
    /// after the copy, so a restored bot doubts them all. nil for any other database (a
    /// PostgreSQL one, backed up with `pg_dump`, is never such a copy).
    func newestOutboxIDAtBackup() throws -> Int64?
    /// Writes when the store was last checked (`/readyz`): a transaction that writes, so a
    /// full disk or a read-only database fails it, as it fails a command.
    func noteReadinessCheck(at instant: Timestamp) throws
    func markDelivered(_ id: Int64, at: Timestamp) throws
    /// `markDelivered` for each item, in as few statements as the store can.
    func markDelivered(_ items: [(id: Int64, at: Timestamp)]) throws
    /// `attempts`: the count with the attempt that failed last, when the item was tried; nil
    /// keeps the count (withdrawn, undecodable, or on a method this process does not serve).
    func markFailed(_ id: Int64, attempts: Int?, reason: String, at: Timestamp) throws
    /// Marks failed, with `reason`, every broadcast post of `incident` not delivered, pending
    /// or given up already (it turned private while they waited): none may go out later, not
    /// even on an operator's retry. Rows withdrawn before are left as they are, and so are
    /// those delivery is sending (`claimForSending`): counted apart, for they may land.
    @discardableResult
    func withdrawBroadcasts(incident: Int, reason: String, at: Timestamp) throws -> BroadcastWithdrawal
    /// Marks pending items as being sent, as delivery sends them: `withdrawBroadcasts` leaves
    /// them then. Returns the ids marked; one left out is pending no more (withdrawn, dropped by
    /// an operator). One statement for all (a round's broadcast posts: a few). A failed
    /// attempt's `reschedule` clears the mark, and so does an operator's retry of a failed item.
    func claimForSending(_ ids: [Int64], at: Timestamp) throws -> Set<Int64>
    /// Clears the claims of pending items not sent after all (their round ended first).
    func releaseSendingClaims(_ ids: [Int64]) throws
    /// Records a failed attempt: how many so far, when to try next, and why it failed.
    func reschedule(_ id: Int64, attempts: Int, notBefore: Timestamp, reason: String) throws
    /// Makes a pending item due at `instant` if it was due later, its attempts and reason as
    /// they stand in the store (an attempt or an operator's `outbox retry` since it was read
    /// is kept).
    func bringForward(_ id: Int64, to instant: Timestamp) throws
    /// Makes every pending item on `methods` waiting for the bot's setup
    /// (`OutboxItem.setupWaitMark`) due at `instant` if it was due later; returns how many it moved.
    func bringForwardSetupWaits(on methods: [ContactMethod], to instant: Timestamp) throws -> Int
    /// Moves a pending item to another contact method and lane (a page failing over), due now;
    /// `attempts` counts every attempt on every method, so a page nothing can take ends.
    func reroute(_ id: Int64, to method: ContactMethod, lane: String, attempts: Int, at: Timestamp, reason: String) throws
    /// Items in `state`, oldest first (failed ones: most recently given up first), decoded
    /// where they can be: for operators (`incident-bot outbox`).
    func outboxListing(_ state: OutboxItem.State, limit: Int) throws -> [OutboxListing]
    /// Puts the item with `key` back to be delivered now, from its first attempt: a failed
    /// one (a dead letter) or a pending one waiting on backoff. False when there is none.
    /// Makes a failed item pending again; false when none has `key`, or it was withdrawn
    /// (`OutboxItem.withdrawnMark`): that one must never go out. A pending item's claim
    /// (`claimForSending`) stays: delivery may be sending it that moment, and a withdrawal
    /// must not count it as stopped. A failed one's is cleared.
    func retryOutbox(key: String, at: Timestamp) throws -> Bool
    /// Gives up a pending item with `key` as an operator's decision. False when there is none.
    func dropOutbox(key: String, reason: String, at: Timestamp) throws -> Bool
    /// The item with `key`, in whatever state; nil when there is none (or it cannot be read).
    func outboxItem(key: String) throws -> OutboxItem?
    /// The item with `key` and its state; nil when there is none (or it cannot be read).
    func outboxItemWithState(key: String) throws -> (item: OutboxItem, state: OutboxItem.State)?
    /// How many items wait (pending) or were given up (failed), by contact method: for the
    /// metrics. Methods with none are left out.
    func unfinishedOutbox() throws -> [OutboxCount]
    /// Items delivered or failed; for reports and tests. Oldest first.
    func finishedOutbox(limit: Int) throws -> [(OutboxItem, OutboxItem.State)]

    // Rooms on platforms.
    func bindRoom(_ platform: Platform, roomID: String, name: String, incident: Int) throws
    func roomID(_ platform: Platform, incident: Int) throws -> String?
    /// The ids of every room on `platform` bound to an incident.
    func boundRooms(_ platform: Platform) throws -> Set<String>
    /// The rooms on `platform` made under another name than their incident's (the name was
    /// taken there): the incident's room name -> the room's.
    func renamedRooms(_ platform: Platform) throws -> [String: String]
    /// The name of the room on `platform` made for the incident whose room is `asked`, when
    /// it was made under another name; nil when it was not (or not yet) made, or as asked.
    func renamedRoom(_ platform: Platform, asked: String) throws -> String?

    // Platform sync positions (Matrix since-tokens).
    func syncToken(_ platform: Platform) throws -> String?
    func setSyncToken(_ platform: Platform, _ token: String) throws
}

/// What `incidentsDue` found: the incidents to tick, and the due rows that cannot be read.
public struct DueIncidents: Sendable {
    public var incidents: [StoredIncident] = []
    public var unreadable: [UnreadableIncident] = []

    public init(incidents: [StoredIncident] = [], unreadable: [UnreadableIncident] = []) {
        self.incidents = incidents
        self.unreadable = unreadable
    }

    /// How many rows were found, read or not.
    public var count: Int { incidents.count + unreadable.count }
}

/// An error that says a stored row cannot be read by this version (a format a newer version
/// wrote, a policy missing, damaged JSON), not that the store failed: one such row must hold
/// up nothing else, so readers skip it where they can and say so.
public protocol UnreadableRow: Error {}

extension DecodingError: UnreadableRow {}

extension IncidentRecords {
    /// One statement an item, for a store that has nothing better (PostgreSQL sends its rows
    /// together anyway).
    public func markDelivered(_ items: [(id: Int64, at: Timestamp)]) throws {
        for item in items { try markDelivered(item.id, at: item.at) }
    }

    /// Marks an item failed that was not tried when it failed: its attempts stay as they are.
    public func markFailed(_ id: Int64, reason: String, at instant: Timestamp) throws {
        try markFailed(id, attempts: nil, reason: reason, at: instant)
    }

    /// Every incident not closed that this version can read.
    public func openIncidents() throws -> [StoredIncident] { try openIncidents(skippingUnreadable: true) }

    /// The incident whose room is named `roomName`, or nil when there is none or its row cannot
    /// be read: one unreadable incident must not stop a command about another.
    public func readableIncident(roomName: String) throws -> StoredIncident? {
        try unlessUnreadable { try incident(roomName: roomName) }
    }

    /// The incident numbered `number`, or nil when there is none or its row cannot be read by
    /// this version: for delivery, which must go on for every other incident (a page whose
    /// incident cannot be read is sent, not withdrawn, and its timeline entry is left out).
    public func readableIncident(_ number: Int) throws -> StoredIncident? {
        try unlessUnreadable { try incident(number) }
    }

}

/// What `read` reads, or nil when a row it needs cannot be read by this version; a failing
/// store still throws.
public func unlessUnreadable<Value>(_ read: () throws -> Value?) throws -> Value? {
    do {
        return try read()
    } catch is UnreadableRow {
        return nil
    }
}

/// An incident row this version cannot read (a format a newer version wrote, a policy missing,
/// a damaged state), and why.
public struct UnreadableIncident: Hashable, Sendable {
    public var number: Int
    public var reason: String

    public init(number: Int, reason: String) {
        self.number = number
        self.reason = reason
    }
}

extension IncidentRecords {
    /// `earliestDue(skipping:)` over every incident.
    public func earliestDue() throws -> Timestamp? { try earliestDue(skipping: []) }

    /// The incidents `incidentsDue(at:limit:skipping:)` can read, over every incident.
    public func incidentsDue(at instant: Timestamp, limit: Int) throws -> [StoredIncident] {
        try incidentsDue(at: instant, limit: limit, skipping: []).incidents
    }
}
