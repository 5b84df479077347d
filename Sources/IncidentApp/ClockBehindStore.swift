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

    /// The incident declared latest, if it was declared after `now` (past `tolerance`).
    static func laterIncident(than now: Timestamp, in store: any IncidentStore) async throws -> Incident? {
        try await store.read { records in
            try records.incidents(declaredSince: now + tolerance).readable.map(\.incident).max { $0.declaredAt < $1.declaredAt }
        }
    }

    /// `--clock manual --start` before the database's last declaration: refused.
    static func refuseManualStart(_ start: Timestamp, store: any IncidentStore, zone: LocalZone) async throws {
        guard let later = try await laterIncident(than: start, in: store) else { return }
        throw StartupError("--start \(zone.dateTime(start)) is before \(later.id) was declared (\(zone.dateTime(later.declaredAt))) "
                           + "in this database: time would go back, and its pages and reminders would be timed from the future; "
                           + "start at or after it, or use a fresh --db")
    }

    /// The live clock behind the database's last declaration: logged as an error, since
    /// refusing to start would page nobody at all.
    static func warnOfLiveClock(_ now: Timestamp, store: any IncidentStore, zone: LocalZone, logger: Logger) async {
        guard let later = try? await laterIncident(than: now, in: store) else { return }
        let reading = "the clock reads \(zone.dateTime(now)), before \(later.id) was declared (\(zone.dateTime(later.declaredAt))): "
            + "its pages and reminders wait until the clock passes their times; check the host's clock (NTP)"
        logger.error("\(reading)")
    }
}
