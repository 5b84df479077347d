import IncidentCore
import Synchronization

/// Per-person limits on commands, so one account, or a loop of bots, cannot flood the store
/// and the rooms: at most `perMinute` commands in any minute, the first one over that answered
/// with one "slow down", the rest ignored until the minute has passed. Also lets a refusal
/// posted in a room for everyone (Matrix) through at most once a room a minute per person.
///
/// Kept in memory: a restart forgets the counts, which only ever lets more through.
public final class CommandLimiter: Sendable {
    public enum Verdict: Hashable, Sendable {
        case allowed
        /// Over the limit for the first time in this window: tell them once.
        case slowDown(until: Timestamp)
        /// Over the limit and already told; `until`: when the window lets commands in again.
        case ignored(until: Timestamp)
        /// Over the limit, and carried out all the same: a command that moves paging from the roster
        /// (`admit(exempt: true)`). Counted; the "slow down" is left for the next command.
        case exempted
    }

    struct Account: Hashable {
        var platform: Platform
        var user: String
    }

    struct Usage {
        /// When this account's commands came, oldest first: those from `first` on are in the
        /// current window (at most `perMinute`); the ones before it have expired.
        var times: [Timestamp] = []
        var first = 0
        var toldToSlowDown = false
        /// When a refusal was last shown in each room, within the last minute.
        var refusalsShown: [String: Timestamp] = [:]

        var recent: ArraySlice<Timestamp> { times[first...] }

        /// Drops the commands older than the window: from the front, as they came in order,
        /// without moving the rest (a generous limit keeps thousands).
        /// Times after `now` were read from a wall clock stepped back since: they count no
        /// more, or someone at the limit just before an hour's step was refused for the hour.
        mutating func expire(at now: Timestamp) {
            while first < times.count, let last = times.last, last > now { times.removeLast() }
            while first < times.count, now - times[first] >= CommandLimiter.window { first += 1 }
            if first > 64, first * 2 > times.count {
                times.removeFirst(first)
                first = 0
            }
        }
    }

    public let perMinute: Int
    let usage = Mutex<[Account: Usage]>([:])
    static let window: Duration = .seconds(60)

    public init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Counts a command from `user` at `now` and says whether to carry it out.
    public func admit(_ platform: Platform, _ user: String, at now: Timestamp) -> Verdict {
        let counts = CountsInTransaction()
        defer { counts.commit() }
        return admit(platform, user, at: now, into: counts)
    }

    /// `admit` inside a transaction: the count goes into `counts`, and reaches this limiter only
    /// when `counts.commit()` is called after the transaction committed. A batch that fails
    /// and is retried event by event then counts each command once, not twice.
    /// `exempt`: carried out whatever the count (`Verdict.exempted` past the limit).
    func admit(_ platform: Platform, _ user: String, at now: Timestamp, into counts: CountsInTransaction, exempt: Bool = false) -> Verdict {
        let account = Account(platform: platform, user: user)
        let perMinute = perMinute
        return counts.change(account, of: self) { pending in
            usage.withLock { usage in
                if usage.count > 10_000 { usage = usage.filter { now - ($0.value.recent.last ?? now) < Self.window } }
                // Changed in place: a copy of the entry would copy its times on every command.
                return Self.admit(&usage[account, default: Usage()], pending: &pending, perMinute: perMinute, at: now, exempt: exempt)
            }
        }
    }

    static func admit(_ entry: inout Usage, pending: inout Pending, perMinute: Int, at now: Timestamp, exempt: Bool = false) -> Verdict {
        entry.expire(at: now)
        // This transaction's own commands within the window, counted in place: a burst of
        // hundreds from one person in one transaction made a list of them for each.
        var added = 0
        var oldestAdded: Timestamp?
        for time in pending.times where now - time < Self.window {
            added += 1
            oldestAdded = min(oldestAdded ?? time, time)
        }
        guard entry.recent.count + added >= perMinute else {
            pending.times.append(now)
            pending.toldToSlowDown = false
            return .allowed
        }
        // Exempt up to twice the limit: a loop posting as someone on the roster is held too.
        if exempt, entry.recent.count + added < 2 * perMinute {
            pending.times.append(now)
            return .exempted
        }
        let oldest = [entry.recent.first, oldestAdded].compactMap { $0 }.min() ?? now
        guard !(pending.toldToSlowDown ?? entry.toldToSlowDown) else { return .ignored(until: oldest + Self.window) }
        pending.toldToSlowDown = true
        return .slowDown(until: oldest + Self.window)
    }

    /// What one transaction's events did to an account's counts, not yet applied.
    struct Pending {
        var times: [Timestamp] = []
        /// Whether the account was told to slow down, when the transaction changed it.
        var toldToSlowDown: Bool?
        var refusalsShown: [String: Timestamp] = [:]
    }

    /// Applies a committed transaction's changes to `account`.
    func apply(_ pending: Pending, to account: Account) {
        usage.withLock { $0[account, default: Usage()].apply(pending) }
    }

    /// Whether `user` is over the limit now, without counting anything: for an adapter that
    /// would do work (a read from its platform) before the engine counts the event.
    public func isOver(_ platform: Platform, _ user: String, at now: Timestamp) -> Bool {
        usage.withLock { usage in
            guard let entry = usage[Account(platform: platform, user: user)] else { return false }
            return entry.times[entry.first...].filter { $0 <= now && now - $0 < Self.window }.count >= perMinute
        }
    }

    /// Whether a refusal for `user`, posted in `room` where everyone reads it, should be shown
    /// now: at most once a room a minute per person. Silence in a second room read as if the
    /// command took there; a stranger's refusals stay bounded by the rooms they share with the
    /// bot and by `perMinute`. Counted in `counts`, as `admit`.
    func showsRefusal(_ platform: Platform, _ user: String, in room: String, at now: Timestamp,
                      in counts: CountsInTransaction) -> Bool {
        let account = Account(platform: platform, user: user)
        return counts.change(account, of: self) { pending in
            let last = pending.refusalsShown[room] ?? usage.withLock { $0[account]?.refusalsShown[room] }
            if let last, now - last < Self.window { return false }
            pending.refusalsShown[room] = now
            return true
        }
    }
}

extension CommandLimiter.Usage {
    mutating func apply(_ pending: CommandLimiter.Pending) {
        if !pending.times.isEmpty {
            let ordered = times.last.map { last in pending.times.allSatisfy { $0 >= last } } ?? true
            times += pending.times
            // Another transaction's commands may have come in between with later times: the
            // window is expired from the front, so the times stay in order.
            if !ordered { times[first...].sort() }
        }
        if let told = pending.toldToSlowDown { toldToSlowDown = told }
        if let latest = pending.refusalsShown.values.max() {
            refusalsShown.merge(pending.refusalsShown) { max($0, $1) }
            refusalsShown = refusalsShown.filter { latest - $0.value < CommandLimiter.window }
        }
    }
}

/// The per-person counts one transaction adds, for every limiter it used: applied by
/// `commit()` once the transaction committed, dropped with it when it failed.
final class CountsInTransaction: Sendable {
    private struct Key: Hashable {
        var limiter: ObjectIdentifier
        var account: CommandLimiter.Account
    }

    private let changes = Mutex<[Key: (limiter: CommandLimiter, pending: CommandLimiter.Pending)]>([:])

    func change<T>(_ account: CommandLimiter.Account, of limiter: CommandLimiter,
                   _ body: (inout CommandLimiter.Pending) -> T) -> T {
        changes.withLock { changes in
            let key = Key(limiter: ObjectIdentifier(limiter), account: account)
            var entry = changes[key] ?? (limiter, CommandLimiter.Pending())
            defer { changes[key] = entry }
            return body(&entry.pending)
        }
    }

    /// Applies every change to its limiter; call once, after the commit.
    func commit() {
        let taken = changes.withLock { changes in
            defer { changes.removeAll() }
            return changes
        }
        for (key, change) in taken { change.limiter.apply(change.pending, to: key.account) }
    }
}
