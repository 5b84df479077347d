import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentWire

/// An incident's record (`IncidentRecord`) written straight into its JSON: byte for byte what
/// `StreamingJSONEncoder` writes for the record's `Codable` form, which is the form it is read
/// back with, without the `Encoder` protocol's generic calls. Every command that changes an
/// incident saves it. The fields most incidents have (ladders, pages, roles, the people sets)
/// are written here; the ones few have (a call link, action items, target notices, pins, a
/// format 1 policy) through their `Codable` form. `IncidentRecordJSONTests` holds the two
/// forms together, with every optional field set and unset; a field added to the record, or
/// to a ladder's progress or a page record, must be added here.
enum IncidentRecordJSON {
    static func text(_ record: IncidentRecord) throws -> String {
        var json = JSONWriter(capacity: 1024)
        json.raw("{\"number\":")
        json.integer(record.number)
        json.raw(",\"title\":")
        json.string(record.title)
        json.raw(",\"room\":")
        json.string(record.room)
        json.raw(",\"severity\":")
        json.string(record.severity.rawValue)
        json.raw(",\"phase\":")
        json.string(record.phase.rawValue)
        json.raw(",\"statusText\":")
        json.string(record.statusText)
        json.raw(",\"declaredAt\":")
        json.integer(record.declaredAt.secondsSinceEpoch)
        json.raw(",\"declaredBy\":")
        json.string(record.declaredBy.rawValue)
        json.raw(",\"roles\":{")
        for (index, (role, person)) in record.roles.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.string(role.rawValue)
            json.raw(UInt8(ascii: ":"))
            json.string(person.rawValue)
        }
        json.raw("},\"lastUpdateAt\":")
        json.integer(record.lastUpdateAt.secondsSinceEpoch)
        time(record.nextUpdateDue, ",\"nextUpdateDue\":", into: &json)
        json.raw(",\"missedUpdates\":")
        json.integer(record.missedUpdates)
        json.raw(",\"ladders\":{")
        for (index, (name, progress)) in record.ladders.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.string(name)
            json.raw(UInt8(ascii: ":"))
            write(progress, into: &json)
        }
        json.raw("},\"pages\":[")
        for (index, page) in record.pages.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            write(page, into: &json)
        }
        json.raw(UInt8(ascii: "]"))
        people(record.invited, ",\"invited\":", into: &json)
        people(record.unreachable, ",\"unreachable\":", into: &json)
        people(record.acknowledgedBy, ",\"acknowledgedBy\":", into: &json)
        time(record.acknowledgedAt, ",\"acknowledgedAt\":", into: &json)
        time(record.mitigatedAt, ",\"mitigatedAt\":", into: &json)
        time(record.resolvedAt, ",\"resolvedAt\":", into: &json)
        time(record.closedAt, ",\"closedAt\":", into: &json)
        if let summary = record.summary {
            json.raw(",\"summary\":")
            json.string(summary)
        }
        time(record.nextPostmortemReminder, ",\"nextPostmortemReminder\":", into: &json)
        time(record.postmortemRemindedAt, ",\"postmortemRemindedAt\":", into: &json)
        json.raw(",\"effectsIssued\":")
        json.integer(record.effectsIssued)
        time(record.snoozedUntil, ",\"snoozedUntil\":", into: &json)
        try encoded(record.callLink, ",\"callLink\":", into: &json)
        try encoded(record.actions, ",\"actions\":", into: &json)
        time(record.impactStartedAt, ",\"impactStartedAt\":", into: &json)
        try encoded(record.targetNotices, ",\"targetNotices\":", into: &json)
        if let isPrivate = record.isPrivate {
            json.raw(",\"isPrivate\":")
            json.bool(isPrivate)
        }
        try encoded(record.pins, ",\"pins\":", into: &json)
        if let acknowledged = record.acknowledgedAfterEffect {
            json.raw(",\"acknowledgedAfterEffect\":{")
            for (index, (person, effect)) in acknowledged.enumerated() {
                if index > 0 { json.raw(UInt8(ascii: ",")) }
                json.string(person)
                json.raw(UInt8(ascii: ":"))
                json.integer(effect)
            }
            json.raw(UInt8(ascii: "}"))
        }
        if let standIn = record.declarerStandIn {
            json.raw(",\"declarerStandIn\":")
            json.string(standIn.rawValue)
        }
        time(record.workingHoursOpenedAt, ",\"workingHoursOpenedAt\":", into: &json)
        try encoded(record.policy, ",\"policy\":", into: &json)
        json.raw(UInt8(ascii: "}"))
        return json.text
    }

    static func write(_ progress: LadderProgress, into json: inout JSONWriter) {
        // Every field of a ladder's progress but one is optional: each member writes its
        // comma before it, and the first one written none.
        var first = true
        func key(_ name: StaticString) {
            json.raw(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            json.raw(name)
        }
        if let level = progress.level {
            key("\"level\":")
            json.integer(level)
        }
        if let nextStepAt = progress.nextStepAt {
            key("\"nextStepAt\":")
            json.integer(nextStepAt.secondsSinceEpoch)
        }
        key("\"repeatsAtTop\":")
        json.integer(progress.repeatsAtTop)
        if let stopped = progress.stopped {
            json.raw(",\"stopped\":")
            json.string(stopped.rawValue)
        }
        if let heldPage = progress.heldPage {
            json.raw(",\"heldPage\":")
            json.string(heldPage.rawValue)
        }
        time(progress.rotationHandoverAt, ",\"rotationHandoverAt\":", into: &json)
        if let stoppedAfterEffect = progress.stoppedAfterEffect {
            json.raw(",\"stoppedAfterEffect\":")
            json.integer(stoppedAfterEffect)
        }
        json.raw(UInt8(ascii: "}"))
    }

    static func write(_ page: PageRecord, into json: inout JSONWriter) {
        json.raw("{\"at\":")
        json.integer(page.at.secondsSinceEpoch)
        json.raw(",\"person\":")
        json.string(page.person.rawValue)
        json.raw(",\"level\":{\"ladder\":")
        json.string(page.level.ladder)
        json.raw(",\"level\":")
        json.string(page.level.level)
        json.raw("},\"reason\":")
        json.string(page.reason.rawValue)
        if let withdrawn = page.withdrawn {
            json.raw(",\"withdrawn\":")
            json.bool(withdrawn)
        }
        json.raw(UInt8(ascii: "}"))
    }

    /// `key` and the time, when there is one.
    static func time(_ instant: Timestamp?, _ key: StaticString, into json: inout JSONWriter) {
        guard let instant else { return }
        json.raw(key)
        json.integer(instant.secondsSinceEpoch)
    }

    static func people(_ people: Set<PersonID>?, _ key: StaticString, into json: inout JSONWriter) {
        guard let people else { return }
        json.raw(key)
        json.raw(UInt8(ascii: "["))
        for (index, person) in people.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.string(person.rawValue)
        }
        json.raw(UInt8(ascii: "]"))
    }

    /// `key` and the value's `Codable` form, when there is one: the fields few incidents have.
    static func encoded(_ value: (some Encodable)?, _ key: StaticString, into json: inout JSONWriter) throws {
        guard let value else { return }
        json.raw(key)
        json.literal(try StreamingJSONEncoder().encode(value))
    }
}
