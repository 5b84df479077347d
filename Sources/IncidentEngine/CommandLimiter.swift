import IncidentCore
import Synchronization

/// Per-person limits on commands, so one account, or a loop of bots, cannot flood the store
/// and the rooms: at most `perMinute` commands in any minute, the first one over that answered
/// with one "slow down", the rest ignored until the minute has passed. Also lets a refusal
/// posted in a room for everyone (Matrix) through at most once a minute per person.
///
/// Kept in memory: a restart forgets the counts, which only ever lets more through.
public final class CommandLimiter: Sendable {
    public enum Verdict: Hashable, Sendable {
        case allowed
        /// Over the limit for the first time in this window: tell them once.
        case slowDown(until: Timestamp)
        /// Over the limit and already told.
        case ignored
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
        var lastRefusalShown: Timestamp?

        var recent: ArraySlice<Timestamp> { times[first...] }

        /// Drops the commands older than the window: from the front, as they came in order,
        /// without moving the rest (a generous limit keeps thousands).
        mutating func expire(at now: Timestamp) {
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
        let perMinute = perMinute
        return usage.withLock { usage in
            if usage.count > 10_000 { usage = usage.filter { now - ($0.value.recent.last ?? now) < Self.window } }
            // Changed in place: a copy of the entry would copy its times on every command.
            return Self.admit(&usage[Account(platform: platform, user: user), default: Usage()], perMinute: perMinute, at: now)
        }
    }

    static func admit(_ entry: inout Usage, perMinute: Int, at now: Timestamp) -> Verdict {
        entry.expire(at: now)
        guard entry.recent.count >= perMinute else {
            entry.times.append(now)
            entry.toldToSlowDown = false
            return .allowed
        }
        guard !entry.toldToSlowDown else { return .ignored }
        entry.toldToSlowDown = true
        return .slowDown(until: entry.times[entry.first] + Self.window)
    }

    /// Whether `user` is over the limit now, without counting anything: for an adapter that
    /// would do work (a read from its platform) before the engine counts the event.
    public func isOver(_ platform: Platform, _ user: String, at now: Timestamp) -> Bool {
        usage.withLock { usage in
            guard let entry = usage[Account(platform: platform, user: user)] else { return false }
            return entry.times[entry.first...].filter { now - $0 < Self.window }.count >= perMinute
        }
    }

    /// Whether a refusal for `user`, posted where everyone reads it, should be shown now: at
    /// most once a minute per person.
    public func showsRefusal(_ platform: Platform, _ user: String, at now: Timestamp) -> Bool {
        usage.withLock { usage in
            let account = Account(platform: platform, user: user)
            if let last = usage[account]?.lastRefusalShown, now - last < Self.window { return false }
            usage[account, default: Usage()].lastRefusalShown = now
            return true
        }
    }
}
