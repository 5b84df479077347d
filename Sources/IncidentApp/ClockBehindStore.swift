import IncidentCore
import IncidentEngine
import IncidentRules
import Logging

/// A clock that starts behind what the database already holds: a `--start` before the
/// drill's own last run, or a host clock stepped back (NTP correcting one that ran ahead).
/// Every page, reminder and target of the incidents declared "later" would then be timed
/// from the future: a team lead paged 51 minutes late, a target "met in 0s". The bot does
/// not move time itself; it says so as it starts.
enum ClockBehindStore {
    /// How far behind the clock may read before it counts: clocks of replicas differ a little.
    static let tolerance: Duration = .minutes(1)

    /// The incident whose record was last changed, with when, if that was after `now` (past
    /// `tolerance`). Its declaration, pages, update, acknowledgement, mitigation, resolution or
    /// close: a drill run again from its own `--start` found nothing declared later, and went
    /// back over the hour it had already run. Incidents declared in the last 30 days are looked
    /// at: one read, not every open incident decoded as the bot starts.
    static func laterActivity(than now: Timestamp, in store: any IncidentStore,
                              tolerance: Duration = tolerance) async throws -> (incident: Incident, at: Timestamp)? {
        let incidents = try await store.read { try $0.incidents(declaredSince: now - .days(30)).readable.map(\.incident) }
        return incidents.map { ($0, lastActivity($0)) }.filter { $0.1 > now + tolerance }.max { $0.1 < $1.1 }
    }

    static func lastActivity(_ incident: Incident) -> Timestamp {
        ([incident.declaredAt, incident.lastUpdateAt] + incident.pages.map(\.at)
            + [incident.acknowledgedAt, incident.mitigatedAt, incident.resolvedAt, incident.closedAt].compactMap { $0 }).max() ?? incident.declaredAt
    }

    /// `--clock manual --start` before the database's last recorded change: refused.
    /// Exact, to the second: a manual clock has no skew to allow for, and a start 59 seconds
    /// before a page let its person acknowledge it before it was sent.
    static func refuseManualStart(_ start: Timestamp, store: any IncidentStore, zone: LocalZone) async throws {
        guard let later = try await laterActivity(than: start, in: store, tolerance: .zero) else { return }
        func reading(_ instant: Timestamp) -> String { zone.civil(instant).isoDate + " " + zone.secondClockTime(instant) }
        throw StartupError("--start \(reading(start)) is before \(later.incident.id)'s last change (\(reading(later.at))) "
                           + "in this database: time would go back, and its pages and reminders would be timed from the future; "
                           + "start after it, or use a fresh --db")
    }

    /// The live clock behind the database's last recorded change: logged as an error, since
    /// refusing to start would page nobody at all.
    static func warnOfLiveClock(_ now: Timestamp, store: any IncidentStore, zone: LocalZone, logger: Logger) async {
        guard let later = try? await laterActivity(than: now, in: store) else { return }
        let reading = "the clock reads \(zone.dateTime(now)), before \(later.incident.id)'s last change (\(zone.dateTime(later.at))): "
            + "its pages and reminders wait until the clock passes their times; check the host's clock (NTP)"
        logger.error("\(reading)")
    }
}
