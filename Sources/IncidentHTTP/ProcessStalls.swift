import Foundation
import Synchronization

/// Stalls of the whole process: stopped (SIGSTOP), a frozen container, a paused VM, a host
/// that gave it no CPU. A request that came while it stood still waited in the kernel, unseen,
/// and is read only once the process runs again. Timed from its reading, a slash command that
/// Slack had given up on (its 3 s) was committed after, and its person, shown a failure, typed
/// it again: stored twice. A thread notes the time every tenth of a second; a gap between its
/// notes is a stall, and a request read in one, or just after, may have come as it began.
///
/// Real time, not the engine's clock: a stall is the process's, whatever time it is told.
public final class ProcessStalls: Sendable {
    /// A gap between notes longer than this is a stall.
    public static let threshold: Duration = .seconds(1)
    /// How long after a stall a request read may have come during it: the backlog it left is
    /// read by then (a second, unless a test says otherwise).
    let backlogRead: Duration

    /// The process's own, its thread started on first use.
    public static let process: ProcessStalls = {
        let stalls = ProcessStalls()
        stalls.watch()
        return stalls
    }()

    private struct State {
        var lastNote: ContinuousClock.Instant
        var stall: (start: ContinuousClock.Instant, end: ContinuousClock.Instant)?
    }

    private let state: Mutex<State>

    /// `lastNote`: when the time was last noted (a test's stall began then).
    public init(lastNote: ContinuousClock.Instant = .now, backlogRead: Duration = .seconds(1)) {
        state = Mutex(State(lastNote: lastNote, stall: nil))
        self.backlogRead = backlogRead
    }

    /// Notes the time every tenth of a second, for as long as the process runs.
    func watch() {
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                note(at: .now)
            }
        }
        thread.name = "process-stalls"
        thread.start()
    }

    public func note(at now: ContinuousClock.Instant) {
        state.withLock { state in
            if now - state.lastNote > Self.threshold { state.stall = (state.lastNote, now) }
            state.lastNote = now
        }
    }

    /// How long before `now` a request read now may have come without the process seeing it:
    /// since the last note while a stall lasts (its end not yet noted), since a stall's start
    /// just after one, and otherwise nothing.
    public func unseenWait(at now: ContinuousClock.Instant = .now) -> Duration {
        state.withLock { state in
            if now - state.lastNote > Self.threshold { return now - state.lastNote }
            if let stall = state.stall, now - stall.end < backlogRead { return now - stall.start }
            return .zero
        }
    }
}
