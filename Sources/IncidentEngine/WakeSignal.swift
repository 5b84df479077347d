import IncidentCore
import Synchronization

/// Wakes one waiting service early: the engine fires it when a transaction moved the earliest
/// due time (the scheduler's) or filled the outbox (delivery's). A fire with nobody waiting is
/// kept, so the next wait returns at once and no change is missed between two waits. A fire
/// may say which contact methods it is about (`fire(for:)`); fires kept meanwhile add up.
public final class WakeSignal: Sendable {
    struct State {
        var pending = false
        /// What the fires kept are about: the methods whose items were queued; nil: anything.
        var pendingMethods: Set<ContactMethod>? = []
        var waiter: CheckedContinuation<Set<ContactMethod>?, Never>?
        /// When the waiter wakes anyway (the deadline of the sleep it waits beside); nil: only
        /// a fire wakes it.
        var waiterWakesAt: Timestamp?
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether someone waits for a fire now (for tests).
    public var isWaitedOn: Bool { state.withLock { $0.waiter != nil } }

    /// Fires about anything.
    public func fire() {
        fire(about: nil, unlessAwakeBy: nil)
    }

    /// Fires about items queued on `methods` alone: delivery wakes only those methods' loops.
    /// A command that posts in a room no longer wakes the mail, text, call and PagerDuty
    /// loops, each of which read the whole outbox's heads to find nothing of its own: with
    /// them configured, that was a third of `serve`'s CPU under load.
    public func fire(for methods: Set<ContactMethod>) {
        guard !methods.isEmpty else { return }
        fire(about: methods, unlessAwakeBy: nil)
    }

    /// Fires unless the waiter wakes by `due` anyway: a transaction whose incidents are next
    /// due no earlier than the scheduler's own deadline leaves it asleep, and it reads the due
    /// times when it wakes. Most commands (a note, a status update's post) move no due time
    /// before that, and waking the scheduler for each cost a read and a timer a commit: a
    /// seventh of `serve`'s CPU under load. With nobody waiting (a round is running, and may
    /// have read the due times before this transaction committed), it fires as `fire` does.
    public func fire(unlessAwakeBy due: Timestamp) {
        fire(about: nil, unlessAwakeBy: due)
    }

    private func fire(about methods: Set<ContactMethod>?, unlessAwakeBy due: Timestamp?) {
        let waiter: CheckedContinuation<Set<ContactMethod>?, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.pending = true
                state.pendingMethods = methods.flatMap { methods in state.pendingMethods.map { $0.union(methods) } }
                return nil
            }
            if let due, let wakesAt = state.waiterWakesAt, wakesAt <= due { return nil }
            state.waiter = nil
            state.waiterWakesAt = nil
            return waiter
        }
        waiter?.resume(returning: methods)
    }

    /// Returns when fired (or at once if a fire is pending), or when the task is cancelled:
    /// with the methods the fires were about, nil for anything (or cancelled).
    /// `wakingAnywayAt`: when the caller stops waiting in any case (`fire(unlessAwakeBy:)`).
    @discardableResult
    public func wait(wakingAnywayAt deadline: Timestamp? = nil) async -> Set<ContactMethod>? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Set<ContactMethod>?, Never>) in
                let kept: Set<ContactMethod>?? = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        defer {
                            state.pending = false
                            state.pendingMethods = []
                        }
                        return .some(state.pending ? state.pendingMethods : nil)
                    }
                    state.waiter?.resume(returning: nil)
                    state.waiter = continuation
                    state.waiterWakesAt = deadline
                    return .none
                }
                if let kept { continuation.resume(returning: kept) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer {
                    state.waiter = nil
                    state.waiterWakesAt = nil
                }
                return state.waiter
            }
            waiter?.resume(returning: nil)
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
