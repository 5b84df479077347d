import IncidentCore
import IncidentEngine

/// An outbox row's columns as both stores read them, before they are made an item.
public struct OutboxRow {
    public var id: Int64
    public var key: String
    public var incident: Int?
    public var method: String
    public var lane: String
    /// The job's JSON; nil when it was not read because `jobs` holds it decoded (or its row is
    /// missing).
    public var job: String?
    public var state: String
    public var attempts: Int
    public var notBefore: Int64
    public var createdAt: Int64
    public var lastError: String?

    /// The columns, in this order, that `init` is given (PostgreSQL's outbox; SQLite keeps the
    /// job in a table of its own, `SQLiteRecords.outboxColumns`).
    public static let columns = "id, key, incident, platform, lane, job, state, attempts, not_before, created_at, last_error"

    public init(id: Int64, key: String, incident: Int?, method: String, lane: String, job: String?, state: String,
                attempts: Int, notBefore: Int64, createdAt: Int64, lastError: String?) {
        self.id = id
        self.key = key
        self.incident = incident
        self.method = method
        self.lane = lane
        self.job = job
        self.state = state
        self.attempts = attempts
        self.notBefore = notBefore
        self.createdAt = createdAt
        self.lastError = lastError
    }

    /// The row as an item, or why it cannot be one (an unknown contact method, a job written
    /// by a newer version): one bad row is reported, not thrown, so it cannot hide the rows
    /// after it. `jobs`, in a read transaction, saves decoding a job twice; `known` is the job
    /// a store already took from it (and so did not read the text of).
    public func decoded(jobs: DecodedJobs?, known: OutboxItem.Job? = nil) -> Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow> {
        guard let contact = ContactMethod(rawValue: method), let parsedState = OutboxItem.State(rawValue: state) else {
            return .failure(UndecodableOutboxRow(id: id, key: key, reason: "unknown contact method \(method) or state \(state)"))
        }
        let decodedJob: OutboxItem.Job
        if let known = known ?? jobs?.job(id) {
            decodedJob = known
        } else {
            guard let job else { return .failure(UndecodableOutboxRow(id: id, key: key, reason: "its job is missing")) }
            do {
                decodedJob = try StateCoding.decode(OutboxItem.Job.self, job)
            } catch {
                return .failure(UndecodableOutboxRow(id: id, key: key, reason: "the job cannot be read: \(error)"))
            }
            jobs?.keep(decodedJob, for: id)
        }
        var item = OutboxItem(key: key, incident: incident, method: contact, lane: lane, job: decodedJob,
                              at: Timestamp(secondsSinceEpoch: createdAt))
        item.id = id
        item.attempts = attempts
        item.notBefore = Timestamp(secondsSinceEpoch: notBefore)
        item.lastError = lastError
        return .success((item, parsedState))
    }
}

extension OutboxHeads {
    /// The heads of every lane, read lane by lane, put back in outbox order (by id).
    public init(lanes rows: [Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow>]) {
        func id(_ row: Result<(OutboxItem, OutboxItem.State), UndecodableOutboxRow>) -> Int64 {
            switch row {
            case .success(let (item, _)): item.id ?? 0
            case .failure(let bad): bad.id
            }
        }
        self.init()
        for row in rows.sorted(by: { id($0) < id($1) }) {
            switch row {
            case .success(let (item, _)): items.append(item)
            case .failure(let bad): undecodable.append(bad)
            }
        }
    }
}

extension OutboxListing {
    /// A listing row from its columns and the item decoded from it, if it could be; a row
    /// that could not be says so in its error.
    public init(key: String, method: String, state: OutboxItem.State, attempts: Int, notBefore: Int64, finishedAt: Int64?,
                lastError: String?, decoded item: OutboxItem?) {
        self.init(key: key, method: method, state: state, attempts: attempts, notBefore: Timestamp(secondsSinceEpoch: notBefore),
                  finishedAt: finishedAt.map(Timestamp.init(secondsSinceEpoch:)),
                  lastError: lastError ?? (item == nil ? "undecodable" : nil), item: item)
    }
}
