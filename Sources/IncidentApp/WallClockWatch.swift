import IncidentCore
import IncidentEngine
import Logging
import ServiceLifecycle

/// Tells when the host's wall clock steps while the bot runs (NTP correcting a clock that ran
/// ahead or behind, a VM resumed with its old time), measured against the monotonic clock every
/// `every`. Due times are instants on the wall clock: a step back delays every page, reminder
/// and target of the open incidents by the step, and a step forward fires what it passed at
/// once. The start-up check (`ClockBehindStore`) saw only a clock behind at the start; a step
/// while `serve` ran, the more usual case, left no line in the log while the team lead's page
/// came an hour late.
struct WallClockWatch: Service {
    /// The bot's clock: its `now` (the wall clock, whole seconds) and its `elapsed` (monotonic).
    let clock: any IncidentClock
    let every: Duration
    let logger: Logger

    /// A step smaller than this is a clock's ordinary slewing, and is not told.
    static var tolerance: Duration { ClockBehindStore.tolerance }

    /// The two clocks read together.
    struct Reading {
        var wall: Timestamp
        var monotonic: Duration

        init(wall: Timestamp, monotonic: Duration) {
            self.wall = wall
            self.monotonic = monotonic
        }

        init(_ clock: any IncidentClock) {
            self.init(wall: clock.now, monotonic: clock.elapsed)
        }

        /// How far the wall clock moved beyond the time that passed since `earlier` (negative:
        /// it stepped back); nil within `tolerance`.
        func step(since earlier: Reading) -> Duration? {
            let step = (wall - earlier.wall) - (monotonic - earlier.monotonic)
            return step > WallClockWatch.tolerance || step < .zero - WallClockWatch.tolerance ? step : nil
        }
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var last = Reading(clock)
            while !Task.isCancelled {
                // Real time, not the clock's: a sleep until an instant on a clock stepped back
                // would last the step.
                try? await Task.sleep(for: every)
                let reading = Reading(clock)
                if let step = reading.step(since: last) { tell(step) }
                last = reading
            }
        }
    }

    func tell(_ step: Duration) {
        if step < .zero {
            logger.error("the wall clock stepped back while the bot ran: every page, reminder and target of the open incidents now waits that much longer; check the host's clock (NTP)",
                         metadata: ["step": "-\(DurationText.format(.zero - step))"])
        } else {
            logger.warning("the wall clock stepped forward while the bot ran: what fell due in the time skipped fires now, once",
                           metadata: ["step": "\(DurationText.format(step))"])
        }
    }
}
