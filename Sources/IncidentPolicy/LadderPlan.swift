import IncidentCore

/// How one ladder climbs at one severity: the levels it uses, in order, when each is reached
/// if nobody answers, and how often and how many times the top is paged again. Built from the
/// ladder's defaults (each level's wait and severity gate) and the severity's overrides.
public struct LadderPlan: Hashable, Sendable {
    public var steps: [Step]
    /// Pages of the top level after its first.
    public var repeats: Ladder.RepeatLimit
    /// The wait between pages of the top level.
    public var repeatEvery: Duration

    public struct Step: Hashable, Sendable {
        /// Index in the ladder's levels.
        public var index: Int
        /// When the level is reached after the ladder starts, if nobody answers.
        public var reachedAfter: Duration
    }

    public var first: Step? { steps.first }
    public var top: Step? { steps.last }
    public var runs: Bool { !steps.isEmpty }

    /// The step above the ladder level at `index`; nil at the top. A ladder that reached a level
    /// this plan skips (the severity changed) climbs on from there.
    public func next(after index: Int) -> Step? { steps.first { $0.index > index } }

    /// How long the level at `index` waits for an answer before the ladder moves on: until the
    /// next step is reached, or the repeat interval at the top. A level the plan does not use
    /// (reached under another severity) also waits the repeat interval.
    public func wait(at index: Int) -> Duration {
        guard let step = steps.first(where: { $0.index >= index }), step.index == index, let next = next(after: index) else {
            return repeatEvery
        }
        return next.reachedAfter - step.reachedAfter
    }
}

extension Policy {
    /// How `ladder` climbs at `severity`.
    public func plan(_ ladder: Ladder, at severity: Severity) -> LadderPlan {
        let override = self[severity].escalation?[ladder.id]
        var steps: [LadderPlan.Step] = []
        if let times = override?.levels {
            for time in times {
                guard let index = ladder.index(of: time.level) else { continue }
                steps.append(LadderPlan.Step(index: index, reachedAfter: time.after))
            }
        } else {
            var elapsed = Duration.zero
            for (index, level) in ladder.levels.enumerated() where level.severities.contains(severity) {
                steps.append(LadderPlan.Step(index: index, reachedAfter: elapsed))
                elapsed += level.wait
            }
        }
        let topWait = steps.last.map { ladder.levels[$0.index].wait } ?? .zero
        let repeats = override?.repeatTop.map { Ladder.RepeatLimit.times($0.times) } ?? ladder.repeatAtTop
        return LadderPlan(steps: steps, repeats: repeats, repeatEvery: override?.repeatTop?.every ?? topWait)
    }

    /// The earliest a page for `severity` may go out from `instant`, for someone whose working
    /// hours are read on `zone`'s clock (the policy's zone when nil): `instant` itself for a
    /// severity that pages around the clock or inside working hours.
    public func earliestPage(at severity: Severity, from instant: Timestamp, zone: LocalZone?) -> Timestamp {
        guard self[severity].workingHoursOnly == true else { return instant }
        return (workingHours ?? .office).nextWorkingTime(from: instant, in: zone ?? timeZone) ?? instant
    }

    /// When a status update due at `deadline` (one interval after the clock started) is owed.
    /// For a severity that pages only in working hours the update clock runs only in them: one
    /// started outside them starts when they open (a P2 declared at 07:00 owes its first
    /// update at 11:00, as one declared at 09:00), and a deadline that falls outside them
    /// starts the clock again at the next opening, one interval before the update is owed (or
    /// at the opening itself when an interval longer than the working period would end outside
    /// them again, and never be nudged). A deadline at the close itself is in them: the whole
    /// interval was worked (a P2 declared at 15:00 owes its update at 17:00, not at 11:00 the
    /// next day while one declared at 14:59 owed it at 16:59). Unchanged for any other
    /// severity. Takes the deadline as the cadence counts it (`Incident.nextUpdateDue`), never
    /// one this gave.
    public func updateDeadline(at severity: Severity, _ deadline: Timestamp) -> Timestamp {
        guard self[severity].workingHoursOnly == true, let interval = updateInterval(severity) else { return deadline }
        let started = deadline - interval
        let startedOpen = earliestPage(at: severity, from: started, zone: nil)
        let counted = startedOpen > started ? startedOpen + interval : deadline
        guard !updateFallsInWorkingHours(at: severity, counted) else { return counted }
        let opens = earliestPage(at: severity, from: counted, zone: nil)
        let restarted = opens + interval
        return updateFallsInWorkingHours(at: severity, restarted) ? restarted : opens
    }

    /// Whether a status update due at `deadline` falls in working hours for `severity` (always,
    /// for one that pages around the clock): `deadline` is in them, or is the close itself
    /// (the second before it is in them), so the interval up to it was all worked.
    public func updateFallsInWorkingHours(at severity: Severity, _ deadline: Timestamp) -> Bool {
        let lastSecond = deadline - .seconds(1)
        return earliestPage(at: severity, from: deadline, zone: nil) == deadline
            || earliestPage(at: severity, from: lastSecond, zone: nil) == lastSecond
    }
}
