import IncidentEngine
import Synchronization

/// A write whose answers are due (a slash command's 3 s), which the database may keep waiting
/// anywhere before its COMMIT: queued on the session's thread behind a transaction that waits
/// for a server that stopped answering, connecting with its 5 s timeout, or waiting for the
/// write lock a paused replica holds until the server ends its session. Once late, it is given
/// up wherever it waits: its caller hears `TooLateToCommit` then, and the transaction, if it
/// ever gets that far, rolls back instead of sending COMMIT. Each write either sends its COMMIT
/// or is given up, never both, under one mutex: one given up commits nothing, and one whose
/// COMMIT was sent is waited for.
final class LateWrite: Sendable {
    private enum State { case waiting, committing, told, given }

    private let state = Mutex(State.waiting)
    private let isLate: @Sendable () -> Bool
    private let giveUp: @Sendable () -> Void

    /// `giveUp` answers the caller; it is called once, when the write is given up.
    init(isLate: @escaping @Sendable () -> Bool, giveUp: @escaping @Sendable () -> Void) {
        self.isLate = isLate
        self.giveUp = giveUp
    }

    /// Whether its COMMIT may be sent: false once it was given up.
    func commits() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .committing
            return true
        }
    }

    /// Whether its outcome (committed, or failed on its own) is for its caller to hear: false
    /// once it was given up, when the caller heard that already.
    func tells() -> Bool {
        state.withLock { state in
            guard state != .given else { return false }
            state = .told
            return true
        }
    }

    /// Whether it was given up: its caller heard so, and nothing of it may begin.
    var isGivenUp: Bool { state.withLock { $0 == .given } }

    /// Gives it up if it is late and its COMMIT has not been sent; whether it is done with
    /// (given up, committing or told), so the watch can let go of it.
    func giveUpIfLate() -> Bool {
        let (done, givesUp) = state.withLock { state -> (Bool, Bool) in
            guard state == .waiting else { return (true, false) }
            guard isLate() else { return (false, false) }
            state = .given
            return (true, true)
        }
        if givesUp { giveUp() }
        return done
    }
}

/// One task for every late write a session holds, looking every 10 ms while any waits (and
/// asleep otherwise): a predicate on the engine's clock cannot be slept on, and a timer a
/// write was what the engine's group commit did away with (`CommitGroup`).
final class LateWrites: Sendable {
    private struct Watched {
        var writes: [LateWrite] = []
        var looking = false
    }

    private let watched = Mutex(Watched())
    /// How often the waiting writes are looked at.
    static let interval = Duration.milliseconds(10)

    func watch(_ write: LateWrite) {
        let starts = watched.withLock { watched in
            watched.writes.append(write)
            defer { watched.looking = true }
            return !watched.looking
        }
        if starts { Task.detached { await self.look() } }
    }

    private func look() async {
        while true {
            try? await Task.sleep(for: Self.interval)
            let waiting = watched.withLock { $0.writes }
            let done = Set(waiting.filter { $0.giveUpIfLate() }.map(ObjectIdentifier.init))
            let stops = watched.withLock { watched in
                watched.writes.removeAll { done.contains(ObjectIdentifier($0)) }
                if watched.writes.isEmpty { watched.looking = false }
                return watched.writes.isEmpty
            }
            if stops { return }
        }
    }
}
