import IncidentCore
import IncidentPolicy
import IncidentRules

/// How a store writes an incident's state: a record of its own, versioned, apart from the
/// `Incident` type the rules use. Renaming or adding a property of `Incident` does not change
/// what is stored; a change to this record is a new `format` and a migration.
///
/// The policy an incident was declared under is not part of the record: it is stored once per
/// distinct policy (`PolicyDigest`) and the incident refers to it, so a save writes a few
/// hundred bytes instead of re-encoding the whole policy. Nested values (a page, a ladder's
/// progress, a role) keep their own small Codable forms; the fixture databases under
/// `Tests/Fixtures/databases` hold any change of them to account.
public struct IncidentRecord: Codable, Sendable, Equatable {
    /// Format 1 (0.13.0 and before): the synthesized Codable of `Incident`, policy inside.
    /// Format 2: this record, with the policy stored apart.
    /// Format 3: the same, with the optional keys for snoozes, call links, action items,
    /// response targets, the impact's start, private incidents, pinned messages and who
    /// acknowledged when in the order of effects (with, inside, a ladder's stop and a page's
    /// number in that order), and new page reasons and timeline kinds. A
    /// binary that knows only format 2 would read such a record and save it without them (a
    /// replica left on the older version during a rolling update), so it is told apart and
    /// that binary refuses it instead.
    /// Format 4: the same, with a page's optional mark that delivery withdrew it
    /// (`PageRecord.withdrawn`). Written only for an incident that has such a mark
    /// (`format(of:)`): any other is written in format 3, which a replica still on the version
    /// before reads, so a rolling update does not hide incidents from an older leader's
    /// scheduler for a mark only the escalation view shows.
    /// Format 5: the same, with the declarer's stand-in (`declarerStandIn`), written only for
    /// an incident that has one: an older binary would drop it and give the declarer's place
    /// back to an account off the roster. This version reads formats 1 to 5.
    public static let currentFormat = 5

    /// The format `incident` is written in: the oldest that holds all it has.
    public static func format(of incident: Incident) -> Int {
        if incident.declarerStandIn != nil { return 5 }
        return incident.pages.contains { $0.withdrawn == true } ? 4 : 3
    }

    public var number: Int
    public var title: String
    public var room: String
    public var severity: Severity
    public var phase: Incident.Phase
    public var statusText: String
    public var declaredAt: Timestamp
    public var declaredBy: PersonID
    public var roles: [Role: PersonID]
    public var lastUpdateAt: Timestamp
    public var nextUpdateDue: Timestamp?
    public var missedUpdates: Int
    public var ladders: [String: LadderProgress]
    public var pages: [PageRecord]
    public var invited: Set<PersonID>?
    public var unreachable: Set<PersonID>?
    public var acknowledgedBy: Set<PersonID>?
    /// `Incident.acknowledgedAfterEffect`, by the person's id text.
    public var acknowledgedAfterEffect: [String: Int]?
    public var acknowledgedAt: Timestamp?
    public var mitigatedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var closedAt: Timestamp?
    public var summary: String?
    public var nextPostmortemReminder: Timestamp?
    /// Read in format 3 and later, with no format of its own: a binary that drops it reads
    /// "under way" from the reminder's date, as every version before it did.
    public var postmortemRemindedAt: Timestamp?
    public var effectsIssued: Int
    /// Added in format 3: records written before it read as not snoozed.
    public var snoozedUntil: Timestamp?
    /// Added in format 3: records written before it have no call.
    public var callLink: CallLink?
    /// Added in format 3: records written before it have no action items.
    public var actions: [ActionItem]?
    /// Added in format 3: records written before them have neither.
    public var impactStartedAt: Timestamp?
    public var targetNotices: Set<TargetNotice>?
    /// Added in format 3: records written before it, and public incidents, have none.
    public var isPrivate: Bool?
    /// Added in format 3: messages pinned for the timeline; nil: none.
    public var pins: [PinnedMessage]?
    /// Added in format 5; nil: the declarer holds the declarer's place.
    public var declarerStandIn: PersonID?
    /// Read in format 3 and later, with no format of its own: a binary that drops it counts a
    /// working-hours severity's targets from its held page, as every version before it did.
    public var workingHoursOpenedAt: Timestamp?
    /// Read in format 3 and later, with no format of its own: a binary that drops it gives a
    /// raised incident its severity's call link though a lead had removed the one it had.
    public var callTurnedOff: Bool?
    /// Read in format 3 and later, with no format of its own: a binary that drops it reads an
    /// update posted in the declaration's own second as no update, as every version before it did.
    public var updated: Bool?
    /// Only in format 1, where the policy was written inside every incident.
    public var policy: Policy?

    /// The keys are spelled out: they are the stored format, whatever `Incident` calls its
    /// properties. Format 1 used the same names, so one record reads both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case number, title, room, severity, phase, statusText, declaredAt, declaredBy, roles, lastUpdateAt, nextUpdateDue
        case missedUpdates, ladders, pages, invited, unreachable, acknowledgedBy, acknowledgedAt, mitigatedAt, resolvedAt
        case closedAt, summary, nextPostmortemReminder, postmortemRemindedAt, effectsIssued, snoozedUntil, callLink, actions, impactStartedAt
        case targetNotices, isPrivate, pins, acknowledgedAfterEffect, declarerStandIn, workingHoursOpenedAt, callTurnedOff, updated, policy
    }

    /// The record of `incident`, without its policy (format 2).
    public init(_ incident: Incident) {
        number = incident.number
        title = incident.title
        room = incident.room
        severity = incident.severity
        phase = incident.phase
        statusText = incident.statusText
        declaredAt = incident.declaredAt
        declaredBy = incident.declaredBy
        roles = incident.roles
        lastUpdateAt = incident.lastUpdateAt
        nextUpdateDue = incident.nextUpdateDue
        missedUpdates = incident.missedUpdates
        ladders = incident.ladders
        pages = incident.pages
        invited = incident.invited
        unreachable = incident.unreachable
        acknowledgedBy = incident.acknowledgedBy
        acknowledgedAfterEffect = incident.acknowledgedAfterEffect.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.rawValue, $0.value) }) }
        acknowledgedAt = incident.acknowledgedAt
        mitigatedAt = incident.mitigatedAt
        resolvedAt = incident.resolvedAt
        closedAt = incident.closedAt
        summary = incident.summary
        nextPostmortemReminder = incident.nextPostmortemReminder
        postmortemRemindedAt = incident.postmortemRemindedAt
        effectsIssued = incident.effectsIssued
        snoozedUntil = incident.snoozedUntil
        callLink = incident.callLink
        actions = incident.actions
        impactStartedAt = incident.impactStartedAt
        targetNotices = incident.targetNotices
        isPrivate = incident.isPrivate ? true : nil
        pins = incident.pins
        declarerStandIn = incident.declarerStandIn
        workingHoursOpenedAt = incident.workingHoursOpenedAt
        callTurnedOff = incident.callTurnedOff
        updated = incident.updated
        policy = nil
    }

    /// The incident this record holds, under `policy` (the one it refers to, or its own in format 1).
    public func incident(policy: Policy) -> Incident {
        var incident = Incident(number: number, title: title, room: room, severity: severity, declaredAt: declaredAt,
                                declaredBy: declaredBy, policy: policy)
        incident.phase = phase
        incident.statusText = statusText
        incident.roles = roles
        incident.lastUpdateAt = lastUpdateAt
        incident.nextUpdateDue = nextUpdateDue
        incident.missedUpdates = missedUpdates
        incident.ladders = ladders
        incident.pages = pages
        incident.invited = invited
        incident.unreachable = unreachable
        incident.acknowledgedBy = acknowledgedBy
        incident.acknowledgedAfterEffect = acknowledgedAfterEffect.map { Dictionary(uniqueKeysWithValues: $0.map { (PersonID($0.key), $0.value) }) }
        incident.acknowledgedAt = acknowledgedAt
        incident.mitigatedAt = mitigatedAt
        incident.resolvedAt = resolvedAt
        incident.closedAt = closedAt
        incident.summary = summary
        incident.nextPostmortemReminder = nextPostmortemReminder
        incident.postmortemRemindedAt = postmortemRemindedAt
        incident.effectsIssued = effectsIssued
        incident.snoozedUntil = snoozedUntil
        incident.callLink = callLink
        incident.actions = actions
        incident.impactStartedAt = impactStartedAt
        incident.targetNotices = targetNotices
        incident.isPrivate = isPrivate ?? false
        incident.pins = pins
        incident.declarerStandIn = declarerStandIn
        incident.workingHoursOpenedAt = workingHoursOpenedAt
        incident.callTurnedOff = callTurnedOff
        incident.updated = updated
        return incident
    }
}
