import IncidentCore
import Logging
import ServiceLifecycle
import Synchronization

/// Sleeps on the clock until the earliest due time in the store, wakes early when a
/// transaction moves it, and fires what is due through the engine like any command. After a
/// restart its first round fires everything that fell due while it was down, once, oldest first.
public final class Scheduler<Clock: IncidentClock>: Service, Sendable {
    let engine: Engine<Clock>
    let logger: Logger
    /// How often seen event ids are pruned.
    let pruneEvery: Duration
    private let stopping = Mutex(false)
    private let lastPrune = Mutex<Timestamp?>(nil)

    /// On a database shared by replicas, how often to look for due times another replica's
    /// commands moved (nothing wakes this one for them); nil alone on a database.
    let poll: Duration?
    /// Fired once the start's roster handover is done: delivery waits for it (`Delivery.startGate`).
    let startGate: WakeSignal?
    /// Waited for before anything is queued: delivery has noted what was queued before this
    /// start (`Delivery.queuedBeforeStart`).
    let startsAfter: WakeSignal?
    /// Fired once the commands sent while the bot was down have been read (Matrix's first sync
    /// of the run): the first round waits for it, up to `backlogPatience`, so an `!ack` typed
    /// in the gap stops the ladder before the round fires the step that fell due meanwhile.
    /// nil: no door keeps a backlog (Slack sends nothing from the gap again, the console none).
    let backlogRead: WakeSignal?

    /// The longest the first round waits for the backlog: a homeserver that is down at the
    /// start holds up no page for longer than a takeover takes.
    public static var backlogPatience: Duration { .seconds(10) }

    public init(engine: Engine<Clock>, logger: Logger, pruneEvery: Duration = .hours(1), poll: Duration? = nil, startGate: WakeSignal? = nil,
                startsAfter: WakeSignal? = nil, backlogRead: WakeSignal? = nil) {
        self.startGate = startGate
        self.startsAfter = startsAfter
        self.backlogRead = backlogRead
        self.engine = engine
        self.logger = logger
        self.pruneEvery = pruneEvery
        self.poll = poll
    }

    public func run() async throws {
        await startsAfter?.wait()
        // Before anything fires or is delivered: what was typed while the bot was down
        // (an acknowledgement, a mitigation) is decided before the steps that fell due meanwhile.
        if let backlogRead {
            await engine.clock.sleep(until: engine.clock.now + Self.backlogPatience, orUntil: backlogRead)
        }
        // The roster read as the bot (or this leader's term) starts may name others than the
        // ones open incidents paged: their pages move first.
        do {
            try await engine.handOverToTheRoster()
        } catch where !Task.isCancelled {
            logger.error("cannot check open incidents' pages against the roster", metadata: ["error": "\(error)"])
        } catch {}
        startGate?.fire()
        await withGracefulShutdownHandler {
            while !stopping.withLock({ $0 }), !Task.isCancelled {
                let wakeAt = await round()
                if stopping.withLock({ $0 }) || Task.isCancelled { break }
                await engine.clock.sleep(until: wakeAt, orUntil: engine.schedulerWake)
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.engine.schedulerWake.fire()
        }
    }

    /// Fires what is due and prunes old event ids when it is time; returns when to wake next.
    public func round() async -> Timestamp? {
        let now = engine.clock.now
        do {
            // Looked up first, in a read: most wakes come from commands that moved no due time
            // to now, and a write transaction that finds nothing due holds up the commands'.
            var next = try await engine.nextDue()
            if let due = next, due <= now {
                try await engine.fireDue()
                next = try await engine.nextDue()
            }
            let prune = lastPrune.withLock { last in
                guard last.map({ now - $0 >= pruneEvery }) ?? true else { return false }
                last = now
                return true
            }
            if prune { try await engine.pruneSeenEvents() }
            let latest = min(now + pruneEvery, poll.map { now + $0 } ?? now + pruneEvery)
            return next.map { min($0, latest) } ?? latest
        } catch {
            // Cut off by the process stopping (a listener that could not start stops it at
            // once) is no failure: this line is what operators alert on as the database's.
            if !Task.isCancelled { logger.error("scheduler round failed; retrying", metadata: ["error": "\(error)"]) }
            return now + .seconds(5)
        }
    }
}
