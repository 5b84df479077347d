import Foundation
import IncidentCore
import Synchronization

/// The one source of "now" for the engine, the scheduler and delivery. Instants are the
/// `Timestamp`s the store persists, so a due time read from the database is something the
/// clock can sleep until.
public protocol IncidentClock: Sendable {
    var now: Timestamp { get }
    /// Returns at or after `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
    /// Returns after `duration` has passed on this clock (see `Backoff`).
    func sleep(for duration: Duration) async throws
    /// A reading for timing short spans within this process (how long delivery's sends have
    /// waited for their record): finer than `now`'s whole seconds on the wall clock. Not an
    /// instant: never stored, never compared across processes.
    var elapsed: Duration { get }
    /// The first whole second at which `wait` from this moment is over: what a retry stores as
    /// its "not before". `now` is rounded down, so `now + wait` could come up to a second
    /// early, and a platform that asked for `Retry-After: 1` would be asked again sooner.
    func instant(after wait: Duration) -> Timestamp
}

extension IncidentClock {
    /// `now`, in whole seconds: a clock that only moves when told (tests, drills).
    public var elapsed: Duration { .seconds(now.secondsSinceEpoch) }

    /// For a clock whose `now` is exact (one that moves only when told).
    public func instant(after wait: Duration) -> Timestamp {
        Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + wait.wholeSecondsRoundedUp)
    }
}

/// The wall clock. The only place in incident-bot that reads it.
public struct LiveClock: IncidentClock {
    /// Longest single sleep: a wall-clock step (NTP, a laptop waking up) is noticed within it.
    static let longestNap: Double = 30

    public init() {}

    public var now: Timestamp {
        Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970.rounded(.down)))
    }

    /// The wall clock's fraction of a second counts: at 10.9 s, a wait of 1 s ends at 12, not 11.
    public func instant(after wait: Duration) -> Timestamp {
        let end = Date().addingTimeInterval(wait.fractionalSeconds)
        return Timestamp(secondsSinceEpoch: Int64(end.timeIntervalSince1970.rounded(.up)))
    }

    /// The monotonic clock, from when the process first read it.
    public var elapsed: Duration { ContinuousClock.now - Self.origin }
    static let origin = ContinuousClock.now

    /// To the wall clock's sub-second precision: a backoff of 200 ms waits 200 ms.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    public func sleep(until deadline: Timestamp) async throws {
        while true {
            let remaining = Double(deadline.secondsSinceEpoch) - Date().timeIntervalSince1970
            if remaining <= 0 { return }
            try await Task.sleep(for: .seconds(min(remaining, Self.longestNap)))
        }
    }
}

/// A clock that moves only when told to: for tests, drills and demos (`--clock manual`).
/// Sleepers wake when `advance` moves the time past their deadline.
public final class ManualClock: IncidentClock {
    struct Sleeper {
        var deadline: Timestamp
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var now: Timestamp
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    public init(start: Timestamp) {
        state = Mutex(State(now: start))
    }

    public var now: Timestamp { state.withLock { $0.now } }

    /// The instants its sleepers wait for, earliest first: what a loop on this clock will do
    /// next, and when, without moving the time to find out.
    public var deadlines: [Timestamp] { state.withLock { $0.sleepers.values.map(\.deadline).sorted() } }

    /// Moves time forward by `duration` (never back) and wakes every sleeper now due.
    public func advance(by duration: Duration) {
        let target = now + duration
        advance(to: target)
    }

    /// Moves time forward to `instant` (an earlier instant changes nothing) and wakes every
    /// sleeper now due.
    public func advance(to instant: Timestamp) {
        let woken: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            if instant > state.now { state.now = instant }
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                let sleeper = state.sleepers.removeValue(forKey: id)
                if sleeper == nil { state.cancelled.insert(id) }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
