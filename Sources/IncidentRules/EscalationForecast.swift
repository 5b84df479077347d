import IncidentCore
import IncidentPolicy

/// `/incident escalation`: who has been paged, and who will be paged when if nothing changes.
///
/// The future is not estimated: the incident's own scheduler transitions are run forward on a
/// copy with no commands, so the forecast is exactly what would happen.
public struct EscalationForecast: Hashable, Sendable {
    /// When it was made: times on another day than this are shown with their date.
    public var now: Timestamp
    public var sent: [PageRecord]
    public var upcoming: [PageRecord]
    /// Ladders that have stopped, with why.
    public var stopped: [StoppedLadder]

    public struct StoppedLadder: Hashable, Sendable {
        public var ladder: String
        public var reason: Ladder.StopCondition
    }

    /// Ladders whose next page waits for working hours, with when it goes out.
    public var held: [HeldPage]
    /// Ladders still running with nobody more to page on their own (their top paged as often
    /// as it may, or no level left at the severity): a ladder that went quiet says so.
    public var quiet: [String]
    /// Levels the climb would reach within the list's span that nobody in the roster fills:
    /// nobody is paged there, and the room is told to page them by hand. Left out, the list
    /// read as if escalation had ended.
    public var unfilled: [UnfilledStep] = []
    /// More pages would come than `upcoming` holds.
    public var cut: Bool
    /// Pages would come after `horizon` too (a P3 held over a weekend pages the team lead days
    /// later): the list ends at the horizon, and says so.
    public var later: Bool

    public struct UnfilledStep: Hashable, Sendable {
        public var at: Timestamp
        public var level: LevelRef
    }

    public struct HeldPage: Hashable, Sendable {
        public var level: LevelRef
        public var until: Timestamp
    }

    /// At most this many future pages, within `horizon`: long enough to see past a weekend
    /// that holds a working-hours page. At most `maxTicks` scheduler steps are run ahead.
    public static let maxUpcoming = 8
    public static let horizon: Duration = .hours(96)
    static let maxTicks = 1_000
    /// How far past `horizon` the scheduler is still run ahead, in time and in steps, to say
    /// whether a ladder pages again at all (`quiet`, `later`).
    static let lookout: Duration = .days(30)
    static let lookoutTicks = 300

    public init(_ incident: Incident, now: Timestamp, roster: Roster) {
        self.now = now
        sent = incident.pagesSent
        // A ladder that never started (business, for a P2) did not stop: the mitigation that
        // marks it stopped is not news about it.
        stopped = incident.policy.ladders.compactMap { ladder in
            guard let progress = incident.ladders[ladder.id], progress.level != nil else { return nil }
            return progress.stopped.map { StoppedLadder(ladder: ladder.id, reason: $0) }
        }
        let running = incident.phase == .investigating || incident.phase == .mitigated
        // A ladder with no timed step left may still page: a missed update's step does. One
        // whose next step only lets it go quiet (its top's repeats spent) counts as one: for
        // that half hour, the forecast named only the other ladder as having nobody more.
        let idle = incident.policy.ladders.compactMap { ladder -> String? in
            guard running, let progress = incident.ladders[ladder.id], progress.stopped == nil, progress.level != nil,
                  progress.heldPage == nil else { return nil }
            let plan = incident.policy.plan(ladder, at: incident.severity)
            return progress.nextStepAt == nil || progress.goesQuietAtItsNextStep(plan) ? ladder.id : nil
        }
        var future = incident
        var upcoming: [PageRecord] = []
        var beyond = false
        // Only a ladder a missed update steps can page with no timed step left.
        let mayStep = Set(idle.filter { id in incident.policy.ladder(id)?.stepsOnMissedUpdate == true })
        var unanswered = mayStep
        var ticks = 0
        var lookoutTicks = 0
        let end = now + EscalationForecast.horizon
        // Run ahead to the horizon for the list, then on (to `lookout`) only as long as it takes
        // to learn whether anything pages after it, and whether each idle ladder pages again.
        while ticks < EscalationForecast.maxTicks, let due = future.nextDue, due <= end + EscalationForecast.lookout {
            let pastList = upcoming.count > EscalationForecast.maxUpcoming || due > end
            if pastList, beyond || upcoming.count > EscalationForecast.maxUpcoming, unanswered.isEmpty { break }
            if pastList { lookoutTicks += 1 }
            if lookoutTicks > EscalationForecast.lookoutTicks { break }
            ticks += 1
            let known = future.pages.count
            let at = max(due, now)
            let decision = future.tick(at: at, roster: roster)
            future = decision.incident
            let new = future.pages.dropFirst(known)
            unanswered.subtract(new.map(\.level.ladder))
            // A page due to a level nobody fills (a climb, a repeat of the top, a missed
            // update's step) paged nobody: the room is told to page them by hand each time.
            // Listed from the climb alone, the repeats after it read as "no more pages".
            if pastList {
                beyond = beyond || !new.isEmpty || !decision.unfilledLevels.isEmpty
            } else {
                upcoming += new
                unfilled += decision.unfilledLevels.map { UnfilledStep(at: at, level: $0) }
            }
        }
        self.upcoming = Array(upcoming.prefix(EscalationForecast.maxUpcoming))
        cut = upcoming.count > EscalationForecast.maxUpcoming
        later = !cut && beyond
        quiet = idle.filter { !mayStep.contains($0) || unanswered.contains($0) }
        // A hold the run ahead moves (held again when it opens: whoever is on duty then keeps
        // other hours) is said at the time the page goes, as the list says it.
        let listed = self.upcoming
        held = incident.policy.ladders.compactMap { ladder in
            guard running, let progress = incident.ladders[ladder.id], progress.heldPage != nil,
                  let index = progress.level, let stored = progress.nextStepAt else { return nil }
            let level = ladder.reference(index)
            let goes = listed.first { $0.level == level }.map { max($0.at, stored) } ?? stored
            return HeldPage(level: level, until: goes)
        }
    }

    public func message(for incident: Incident) -> Message {
        let zone = incident.policy.timeZone
        var message = Message(.strong("Escalation for \(incident.id) (\(incident.severity))"))
        func line(_ page: PageRecord) -> [Span] {
            let role = incident.policy.ladder(page.level.ladder)?.levels.first { $0.id == page.level.level }?.role ?? ""
            return [.text("  \(zone.clockTime(page.at, seenAt: now))  \(page.level) \(role): "), .mention(page.person),
                    .text(page.reason.timelineNote)]
        }
        // A page withdrawn before it went out (answered meanwhile) or dropped by an operator
        // reached nobody: listed apart, not among the paged with a note an IC could read as
        // "she answered".
        let reached = sent.filter { $0.withdrawn != true }
        let unsent = sent.filter { $0.withdrawn == true }
        message.line(.strong("Paged:"))
        if reached.isEmpty { message.line(.text("  nobody yet")) }
        for page in reached { message.line(line(page)) }
        if !unsent.isEmpty {
            message.line(.strong("Never sent"), .text(" (withdrawn before it went out, or dropped by an operator; the timeline says why):"))
            for page in unsent { message.line(line(page)) }
        }
        message.line(.strong("Next, if nothing changes:"))
        if upcoming.isEmpty, unfilled.isEmpty {
            message.line(.text(later ? "  none before \(zone.dateTime(now + EscalationForecast.horizon))" : "  no more pages"))
        }
        let lines = upcoming.map { ($0.at, line($0)) } + unfilled.map { step in
            let role = incident.policy.ladder(step.level.ladder)?.levels.first { $0.id == step.level.level }?.role ?? ""
            return (step.at, [Span.text("  \(zone.clockTime(step.at, seenAt: now))  \(step.level) \(role): nobody fills it in the roster; page them by hand")])
        }
        // The first in time, as many as the pages alone may be.
        let sorted = lines.enumerated().sorted(by: { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }).map(\.element)
        for (_, spans) in sorted.prefix(EscalationForecast.maxUpcoming) { message.line(spans) }
        if cut || sorted.count > EscalationForecast.maxUpcoming { message.line(.text("  … and more after these")) }
        if later { message.line(.text("  … and more after \(zone.dateTime(now + EscalationForecast.horizon)), if nothing changes by then")) }
        for hold in held {
            let at = zone.clockTime(hold.until, seenAt: now)
            // A stopped ladder's held page (the declaration's, an IC named since) still goes:
            // one line says both, not "waits" and "has stopped" as if they disagreed.
            if let stop = stopped.first(where: { $0.ladder == hold.level.ladder }) {
                message.line(.text("The \(hold.level.ladder) ladder has stopped (\(stop.reason.rawValue)); the page it holds for working hours still goes: \(hold.level) is paged at \(at)."))
            } else {
                message.line(.text("The \(hold.level.ladder) ladder waits for working hours: \(hold.level) is paged at \(at)."))
            }
        }
        for stop in stopped where !held.contains(where: { $0.level.ladder == stop.ladder }) {
            // Missed updates still step a ladder stopped by an answer (the list shows those
            // pages): said so, with how to stop them, not "stopped" above pages it will send.
            if upcoming.contains(where: { $0.level.ladder == stop.ladder && $0.reason == .missedUpdate }) {
                message.line(.text("The \(stop.ladder) ladder has stopped (\(stop.reason.rawValue)), but missed status updates still step it: post one with "),
                             .command("update"), .text("."))
            } else {
                message.line(.text("The \(stop.ladder) ladder has stopped: \(stop.reason.rawValue)."))
            }
        }
        for ladder in quiet { message.line(.text("The \(ladder) ladder has nobody more to page at \(incident.severity).")) }
        return message
    }
}
