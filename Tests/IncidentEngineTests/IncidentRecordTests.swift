import Foundation
import GRDB
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentSQLite
import IncidentStorage
import IncidentTesting
import Testing

/// The stored form of an incident: a record of its own (format 3, or 4 with a withdrawn page),
/// its policy stored once.
@Suite struct IncidentRecordTests {
    /// A property added to `Incident` must be added to the record too, or a restart loses it.
    @Test func theRecordHasAFieldForEveryPropertyOfAnIncident() throws {
        let incident = Incident(number: 1, title: "t", room: "incident-20261124-t", severity: .p1, declaredAt: TestConfig.start,
                                declaredBy: "alice", policy: try TestConfig.policy())
        let properties = Set(Mirror(reflecting: incident).children.compactMap(\.label))
        let fields = Set(Mirror(reflecting: IncidentRecord(incident)).children.compactMap(\.label))
        #expect(properties == fields)
    }

    /// An incident that went through paging, acknowledgement and resolution reads back equal.
    @Test func anIncidentReadsBackAsItWasSaved() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 31)
        try await bot.say("U0ALICE01", "/ack INC-1")
        try await bot.say("U0CAROL03", "/ic INC-1 <@U0CAROL03>")
        try await bot.say("U0CAROL03", "/incident resolve INC-1 rolled back")
        let before = try #require(try await bot.store.read { try $0.incident(1) })
        #expect(before.incident.pages.count >= 2, "\(before.incident.pages)")
        #expect(before.incident.acknowledgedBy == ["alice", "carol"])
        #expect(Set(before.incident.acknowledgedAfterEffect?.keys ?? [:].keys) == ["alice", "carol"])
        #expect(before.incident.ladders["engineering"]?.stoppedAfterEffect != nil)
        #expect(before.incident.summary == "rolled back")
        let reopened = try SQLiteStore(writer: bot.sqlite.writer)
        let after = try #require(try await reopened.read { try $0.incident(1) })
        #expect(after == before)
    }

    /// The stores write their JSON as `StreamingJSONEncoder` does: a busy incident's record and
    /// every outbox job it made read back the same as from Foundation's `JSONEncoder` text.
    @Test func storedTextReadsBackAsFoundationsWould() async throws {
        let bot = try await Self.busyIncident()
        let (states, jobs) = try await bot.sqlite.writer.read { db in
            (try String.fetchAll(db, sql: "SELECT state FROM incident"), try String.fetchAll(db, sql: "SELECT job FROM outbox_job"))
        }
        #expect(states.count == 1)
        #expect(jobs.count > 10)
        func readsBackAlike<T: Codable & Equatable>(_ type: T.Type, _ text: String) throws {
            let value = try StateCoding.decode(type, text)
            let streamed = try StateCoding.decode(type, try StateCoding.encode(value))
            let founded = try JSONDecoder().decode(type, from: try JSONEncoder().encode(value))
            #expect(streamed == value)
            #expect(streamed == founded)
        }
        for state in states { try readsBackAlike(IncidentRecord.self, state) }
        for job in jobs { try readsBackAlike(OutboxItem.Job.self, job) }
    }

    /// A P1 that paged, was acknowledged, named an IC, got an action item and a note of two
    /// lines, went private and was resolved.
    static func busyIncident() async throws -> TestBot {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors \"quoted\" 📌 --sev P1")
        try await bot.run(toMinute: 31)
        try await bot.say("U0ALICE01", "/ack INC-1")
        try await bot.say("U0CAROL03", "/ic INC-1 <@U0CAROL03>")
        try await bot.say("U0CAROL03", "/action INC-1 @dave Rotate the exposed keys")
        try await bot.say("U0CAROL03", "/note INC-1 keys rotated\nline two")
        try await bot.say("U0CAROL03", "/incident private INC-1")
        try await bot.say("U0CAROL03", "/incident resolve INC-1 rolled back")
        return bot
    }

    /// The store keeps incidents decoded across transactions, checked against the row's own
    /// text: a row another writer changed reads as changed, and a save whose transaction rolled
    /// back leaves what the row holds.
    @Test func incidentsKeptDecodedNeverOutliveTheirRow() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        let kept = try #require(try await bot.store.read { try $0.incident(1) })
        var changed = kept.incident
        changed.summary = "changed by another writer"
        let text = try StateCoding.encodeRecord(changed)
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET state = ? WHERE number = 1", arguments: [text]) }
        #expect(try await bot.store.read { try $0.incident(1)?.incident.summary } == "changed by another writer")

        struct RolledBack: Error {}
        await #expect(throws: RolledBack.self) {
            try await bot.store.write { records in
                guard var stored = try records.incident(1) else { return }
                stored.incident.summary = "never committed"
                try records.save(stored)
                _ = try records.openIncidents()  // writes the held save inside the transaction
                throw RolledBack()
            }
        }
        #expect(try await bot.store.read { try $0.incident(1)?.incident.summary } == "changed by another writer")
    }

    /// Many incidents of one policy store it once; the incident rows hold only their record.
    @Test func aPolicyIsStoredOnceForAllItsIncidents() async throws {
        let bot = try TestBot()
        for index in 1...5 { try await bot.say("U0ERIN005", "/incident declare Outage \(index) --sev P2") }
        try await bot.say("U0REPORTER", "/sev INC-3 P1")
        let (policies, rows) = try await bot.sqlite.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM policy") ?? 0,
             try Row.fetchAll(db, sql: "SELECT format, policy, state FROM incident"))
        }
        #expect(policies == 1)
        #expect(rows.count == 5)
        for row in rows {
            // Format 3, which the version before reads: nothing here needs format 4.
            #expect(row["format"] as Int == 3)
            #expect((row["policy"] as String?)?.count == 64)
            #expect(!(row["state"] as String).contains("\"ladders\":[{"), "the policy's ladders are not in the incident row")
        }
    }

    /// The same policy encodes to the same JSON however its sets were built, so its digest
    /// names it across restarts instead of storing it again each time.
    @Test func aPolicyEncodesAlikeWhateverOrderItsSetsWereBuiltIn() throws {
        var forward = try TestConfig.policy()
        var backward = forward
        forward.ladders[0].levels[0].severities = []
        backward.ladders[0].levels[0].severities = []
        for severity in Severity.allCases { forward.ladders[0].levels[0].severities.insert(severity) }
        for severity in Severity.allCases.reversed() { backward.ladders[0].levels[0].severities.insert(severity) }
        forward.ladders[0].stopOn = [.acknowledged, .mitigated, .resolved]
        backward.ladders[0].stopOn = [.resolved, .mitigated, .acknowledged]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let one = String(decoding: try encoder.encode(forward), as: UTF8.self)
        #expect(one == String(decoding: try encoder.encode(backward), as: UTF8.self))
        #expect(one.contains(#""severities":["P0","P1","P2","P3"]"#))
        #expect(one.contains(#""stopOn":["acknowledged","mitigated","resolved"]"#))
    }
}
