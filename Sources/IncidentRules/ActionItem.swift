import IncidentCore

/// A follow-up of an incident (`/action`): who does what by when. Kept with the incident, in its
/// record; the post-mortem's action table is made from them.
public struct ActionItem: Hashable, Sendable, Codable {
    /// `A1`, `A2`, ... within the incident.
    public var number: Int
    public var owner: PersonID
    public var text: String
    /// The day it is due (`2026-12-05`), in the policy's time zone; nil: no due day.
    public var dueDay: String?
    /// When its owner is reminded by a direct message: `reminderHour` on the due day (or at
    /// once when it is made on that day later); nil once reminded, done or dropped.
    public var remindAt: Timestamp?
    public var createdAt: Timestamp
    public var createdBy: PersonID
    public var doneAt: Timestamp?
    public var doneBy: PersonID?
    /// When an admin closed the incident with it still open (`/incident close --force`).
    public var droppedAt: Timestamp?

    /// The hour of the due day, on the policy's clock, at which the owner is reminded.
    public static let reminderHour = 9

    public var id: String { "A\(number)" }

    public var isOpen: Bool { doneAt == nil && droppedAt == nil }

    /// Open, and its due day is over on `zone`'s clock at `now`.
    public func isOverdue(at now: Timestamp, zone: LocalZone) -> Bool {
        guard isOpen, let dueDay else { return false }
        return zone.civil(now).isoDate > dueDay
    }
}

extension Incident {
    /// Its action items, oldest first.
    public var actionItems: [ActionItem] { actions ?? [] }

    public var openActionItems: [ActionItem] { actionItems.filter(\.isOpen) }
}
