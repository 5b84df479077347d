import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentStorage
import IncidentTesting
import Testing

/// An incident's `state` column is written without an encoder (`StateCoding.encodeRecord`): it
/// must be the very text the record's `Codable` form gives (`StateCoding.encode`), which is
/// what reads it back, with every optional field set and unset.
@Suite struct IncidentRecordJSONTests {
    static let awkward = "quote \" backslash \\ newline \n nul \u{0} é 📌 \u{2028}"

    /// A busy P1 (`IncidentRecordTests.busyIncident`) and a P3 just declared.
    static func recordsThroughTheBot() async throws -> [IncidentRecord] {
        let bot = try await IncidentRecordTests.busyIncident()
        try await bot.say("U0REPORTER", "/incident declare Quiet one --sev P3")
        let states = try await bot.sqlite.writer.read { db in try String.fetchAll(db, sql: "SELECT state FROM incident ORDER BY number") }
        #expect(states.count == 2)
        return try states.map { try StateCoding.decode(IncidentRecord.self, $0) }
    }

    static func expectWrittenAsCodable(_ record: IncidentRecord) throws {
        let written = try StateCoding.encodeRecord(record)
        #expect(written == (try StateCoding.encode(record)))
        #expect(try StateCoding.decode(IncidentRecord.self, written) == record)
    }

    @Test func recordsTheBotMadeAreWrittenAsTheirCodableForm() async throws {
        let records = try await Self.recordsThroughTheBot()
        #expect(records[0].actions?.isEmpty == false)
        #expect(records[0].pages.count >= 2)
        for record in records { try Self.expectWrittenAsCodable(record) }
    }

    /// Every optional field of the record, of a ladder's progress and of a page record set; the
    /// check that each is set fails when a field is added, so that it is added here and to the
    /// writer.
    @Test func everyOptionalFieldSet() async throws {
        var record = try await Self.recordsThroughTheBot()[0]
        let at = TestConfig.start
        record.title = Self.awkward
        record.statusText = Self.awkward
        record.roles = [.commander: "carol", .comms: PersonID.unlisted(.slack, "U\"1"), .scribe: "erin"]
        record.nextUpdateDue = at + .minutes(30)
        var climbing = LadderProgress(level: 2, nextStepAt: at + .minutes(5), repeatsAtTop: 3, stopped: .mitigated)
        climbing.heldPage = .missedUpdate
        climbing.rotationHandoverAt = at + .hours(8)
        climbing.stoppedAfterEffect = 17
        climbing.waitingHandovers = [LadderProgress.WaitingHandover(person: PersonID(Self.awkward), level: 1, at: at + .hours(3)),
                                     LadderProgress.WaitingHandover(person: "bob", level: 2, at: at + .hours(4))]
        record.ladders = ["engineering": climbing, "business": LadderProgress(), Self.awkward: LadderProgress(level: 0),
                          "waiting": LadderProgress(nextStepAt: at + .minutes(1))]
        record.pages.append(PageRecord(at: at, person: "bob", level: LevelRef(ladder: "business", level: Self.awkward),
                                       reason: .rotationHandover, withdrawn: true))
        record.pages.append(PageRecord(at: at, person: "bob", level: LevelRef(ladder: "business", level: "L1"),
                                       reason: .immediate, withdrawn: false, landed: true))
        record.invited = ["alice", "bob", "carol"]
        record.unreachable = ["erin"]
        record.acknowledgedBy = ["alice"]
        record.acknowledgedAfterEffect = ["alice": 4, Self.awkward: 0]
        record.acknowledgedAt = at + .minutes(31)
        record.mitigatedAt = at + .minutes(40)
        record.resolvedAt = at + .minutes(50)
        record.closedAt = at + .hours(50)
        record.summary = Self.awkward
        record.nextPostmortemReminder = at + .hours(24)
        record.postmortemRemindedAt = at + .hours(25)
        record.snoozedUntil = at + .hours(1)
        record.callLink = CallLink("https://meet.example.com/abc-defg-hij")
        record.impactStartedAt = at - .minutes(10)
        record.targetNotices = [TargetNotice(.acknowledge, missed: true, deadline: nil), TargetNotice(.resolve, missed: false, deadline: TestConfig.start)]
        record.isPrivate = true
        record.pins = [PinnedMessage(messageID: "1700000000.000100", author: "alice", text: Self.awkward, postedAt: at,
                                     marks: [PinMark(by: "bob", how: .reaction, id: nil), PinMark(by: "carol", how: .pin, id: "P1")])]
        record.declarerStandIn = "carol"
        record.workingHoursOpenedAt = at + .hours(2)
        record.callTurnedOff = true
        record.updated = true
        record.policy = try TestConfig.policy()
        let unset = Mirror(reflecting: record).children.filter { child in
            let value = Mirror(reflecting: child.value)
            return value.displayStyle == .optional && value.children.isEmpty
        }.compactMap(\.label)
        #expect(unset.isEmpty, "set these here, and check the writer writes them: \(unset)")
        let ladderUnset = Mirror(reflecting: climbing).children.filter { child in
            let value = Mirror(reflecting: child.value)
            return value.displayStyle == .optional && value.children.isEmpty
        }.compactMap(\.label)
        #expect(ladderUnset.isEmpty, "\(ladderUnset)")
        try Self.expectWrittenAsCodable(record)
    }

    /// A record with none of its optional fields: a ladder that never started, no pages.
    @Test func everyOptionalFieldUnset() throws {
        let incident = Incident(number: 7, title: "t", room: "incident-20261124-t", severity: .p2, declaredAt: TestConfig.start,
                                declaredBy: "alice", policy: try TestConfig.policy())
        var record = IncidentRecord(incident)
        record.ladders = ["engineering": LadderProgress()]
        record.roles = [:]
        try Self.expectWrittenAsCodable(record)
    }
}
