import IncidentCore
import Synchronization

/// Wakes one waiting service early: the engine fires it when a transaction moved the earliest
/// due time (the scheduler's) or filled the outbox (delivery's). A fire with nobody waiting is
/// kept, so the next wait returns at once and no change is missed between two waits.
public final class WakeSignal: Sendable {
    struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// When the waiter wakes anyway (the deadline of the sleep it waits beside); nil: only
        /// a fire wakes it.
        var waiterWakesAt: Timestamp?
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether someone waits for a fire now (for tests).
    public var isWaitedOn: Bool { state.withLock { $0.waiter != nil } }

    public func fire() {
        fire(unlessAwakeBy: nil)
    }

    /// Fires unless the waiter wakes by `due` anyway: a transaction whose incidents are next
    /// due no earlier than the scheduler's own deadline leaves it asleep, and it reads the due
    /// times when it wakes. Most commands (a note, a status update's post) move no due time
    /// before that, and waking the scheduler for each cost a read and a timer a commit: a
    /// seventh of `serve`'s CPU under load. With nobody waiting (a round is running, and may
    /// have read the due times before this transaction committed), it fires as `fire` does.
    public func fire(unlessAwakeBy due: Timestamp) {
        fire(unlessAwakeBy: Optional(due))
    }

    private func fire(unlessAwakeBy due: Timestamp?) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            if let due, let wakesAt = state.waiterWakesAt, wakesAt <= due { return nil }
            state.waiter = nil
            state.waiterWakesAt = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when fired (or at once if a fire is pending), or when the task is cancelled.
    /// `wakingAnywayAt`: when the caller stops waiting in any case (`fire(unlessAwakeBy:)`).
    public func wait(wakingAnywayAt deadline: Timestamp? = nil) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter?.resume()
                    state.waiter = continuation
                    state.waiterWakesAt = deadline
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer {
                    state.waiter = nil
                    state.waiterWakesAt = nil
                }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

extension IncidentClock {
    /// Sleeps until `deadline` (forever when nil) or until `signal` fires, whichever is first.
    public func sleep(until deadline: Timestamp?, orUntil signal: WakeSignal) async {
        await withTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask { try? await self.sleep(until: deadline) }
            }
            group.addTask { await signal.wait(wakingAnywayAt: deadline) }
            await group.next()
            group.cancelAll()
        }
    }
}
