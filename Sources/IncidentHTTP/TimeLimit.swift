import Synchronization

/// Work given a time limit without waiting for it past the limit: whichever comes first, the
/// work's answer or the limit, is the answer. Unlike a task group, which waits for every child,
/// this returns at the limit even when the work cannot be stopped (a database call stuck until
/// its own timeout); that work finishes on its own, unheard.
public enum TimeLimit {
    /// `work`'s answer, or `late` when it has not come within `limit`. `cancelLate`: the work
    /// is told to stop at the limit; otherwise it goes on (its result kept by the work itself).
    public static func answer<Value: Sendable>(within limit: Duration, late: Value, cancelLate: Bool = true,
                                               _ work: @escaping @Sendable () async -> Value) async -> Value {
        let first = FirstOf<Value>()
        return await withCheckedContinuation { continuation in
            first.waiting(continuation)
            let running = Task { first.give(await work()) }
            Task {
                try? await Task.sleep(for: limit)
                if first.give(late), cancelLate { running.cancel() }
            }
        }
    }

    /// The first of several answers, handed to one waiting continuation; the rest are dropped.
    final class FirstOf<Value: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<Value, Never>?>(nil)

        func waiting(_ waiting: CheckedContinuation<Value, Never>) {
            continuation.withLock { $0 = waiting }
        }

        /// True when this was the first.
        @discardableResult
        func give(_ value: Value) -> Bool {
            guard let waiting = continuation.withLock({ $0.take() }) else { return false }
            waiting.resume(returning: value)
            return true
        }
    }
}
