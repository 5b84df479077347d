import IncidentCore
import Synchronization

/// Wakes one waiting service early: the engine fires it when a transaction moved the earliest
/// due time (the scheduler's) or filled the outbox (delivery's). A fire with nobody waiting is
/// kept, so the next wait returns at once and no change is missed between two waits.
public final class WakeSignal: Sendable {
    struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func fire() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when fired (or at once if a fire is pending), or when the task is cancelled.
    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter?.resume()
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
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
            group.addTask { await signal.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
