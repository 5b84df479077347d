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
        json.member("{\"number\":", record.number)
        json.member(",\"title\":", record.title)
        json.member(",\"room\":", record.room)
        json.member(",\"severity\":", record.severity.rawValue)
        json.member(",\"phase\":", record.phase.rawValue)
        json.member(",\"statusText\":", record.statusText)
        json.member(",\"declaredAt\":", record.declaredAt.secondsSinceEpoch)
        json.member(",\"declaredBy\":", record.declaredBy.rawValue)
        json.raw(",\"roles\":{")
        for (index, (role, person)) in record.roles.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.string(role.rawValue)
            json.raw(UInt8(ascii: ":"))
            json.string(person.rawValue)
        }
        json.member("},\"lastUpdateAt\":", record.lastUpdateAt.secondsSinceEpoch)
        json.memberIfPresent(",\"nextUpdateDue\":", record.nextUpdateDue?.secondsSinceEpoch)
        json.member(",\"missedUpdates\":", record.missedUpdates)
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
        json.memberIfPresent(",\"acknowledgedAt\":", record.acknowledgedAt?.secondsSinceEpoch)
        json.memberIfPresent(",\"mitigatedAt\":", record.mitigatedAt?.secondsSinceEpoch)
        json.memberIfPresent(",\"resolvedAt\":", record.resolvedAt?.secondsSinceEpoch)
        json.memberIfPresent(",\"closedAt\":", record.closedAt?.secondsSinceEpoch)
        json.memberIfPresent(",\"summary\":", record.summary)
        json.memberIfPresent(",\"nextPostmortemReminder\":", record.nextPostmortemReminder?.secondsSinceEpoch)
        json.memberIfPresent(",\"postmortemRemindedAt\":", record.postmortemRemindedAt?.secondsSinceEpoch)
        json.member(",\"effectsIssued\":", record.effectsIssued)
        json.memberIfPresent(",\"snoozedUntil\":", record.snoozedUntil?.secondsSinceEpoch)
        try encoded(record.callLink, ",\"callLink\":", into: &json)
        try encoded(record.actions, ",\"actions\":", into: &json)
        json.memberIfPresent(",\"impactStartedAt\":", record.impactStartedAt?.secondsSinceEpoch)
        try encoded(record.targetNotices, ",\"targetNotices\":", into: &json)
        json.memberIfPresent(",\"isPrivate\":", record.isPrivate)
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
        json.memberIfPresent(",\"declarerStandIn\":", record.declarerStandIn?.rawValue)
        json.memberIfPresent(",\"workingHoursOpenedAt\":", record.workingHoursOpenedAt?.secondsSinceEpoch)
        json.memberIfPresent(",\"callTurnedOff\":", record.callTurnedOff)
        json.memberIfPresent(",\"updated\":", record.updated)
        try encoded(record.policy, ",\"policy\":", into: &json)
        json.raw(UInt8(ascii: "}"))
        return json.text
    }

    static func write(_ progress: LadderProgress, into json: inout JSONWriter) {
        // The two fields before the one always there are optional: the object opens before
        // whichever comes first.
        if let level = progress.level {
            json.member("{\"level\":", level)
            json.memberIfPresent(",\"nextStepAt\":", progress.nextStepAt?.secondsSinceEpoch)
            json.member(",\"repeatsAtTop\":", progress.repeatsAtTop)
        } else if let nextStepAt = progress.nextStepAt {
            json.member("{\"nextStepAt\":", nextStepAt.secondsSinceEpoch)
            json.member(",\"repeatsAtTop\":", progress.repeatsAtTop)
        } else {
            json.member("{\"repeatsAtTop\":", progress.repeatsAtTop)
        }
        json.memberIfPresent(",\"stopped\":", progress.stopped?.rawValue)
        json.memberIfPresent(",\"heldPage\":", progress.heldPage?.rawValue)
        json.memberIfPresent(",\"rotationHandoverAt\":", progress.rotationHandoverAt?.secondsSinceEpoch)
        if let waiting = progress.waitingHandovers {
            json.raw(",\"waitingHandovers\":[")
            for (index, handover) in waiting.enumerated() {
                json.member(index == 0 ? "{\"person\":" : ",{\"person\":", handover.person.rawValue)
                json.member(",\"level\":", handover.level)
                json.member(",\"at\":", handover.at.secondsSinceEpoch)
                json.raw(UInt8(ascii: "}"))
            }
            json.raw(UInt8(ascii: "]"))
        }
        json.memberIfPresent(",\"stoppedAfterEffect\":", progress.stoppedAfterEffect)
        json.raw(UInt8(ascii: "}"))
    }

    static func write(_ page: PageRecord, into json: inout JSONWriter) {
        json.member("{\"at\":", page.at.secondsSinceEpoch)
        json.member(",\"person\":", page.person.rawValue)
        json.member(",\"level\":{\"ladder\":", page.level.ladder)
        json.member(",\"level\":", page.level.level)
        json.member("},\"reason\":", page.reason.rawValue)
        json.memberIfPresent(",\"withdrawn\":", page.withdrawn)
        json.memberIfPresent(",\"landed\":", page.landed)
        json.raw(UInt8(ascii: "}"))
    }

    static func people(_ people: Set<PersonID>?, _ key: StaticString, into json: inout JSONWriter) {
        guard let people else { return }
        json.raw(key)
        json.strings(people.map(\.rawValue))
    }

    /// `key` and the value's `Codable` form, when there is one: the fields few incidents have.
    static func encoded(_ value: (some Encodable)?, _ key: StaticString, into json: inout JSONWriter) throws {
        guard let value else { return }
        json.raw(key)
        json.literal(try StreamingJSONEncoder().encode(value))
    }
}
