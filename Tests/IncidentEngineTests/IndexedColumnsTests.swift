import GRDB
import IncidentCore
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Testing

/// An incident's save names its indexed columns (phase, next due) only when they change:
/// SQLite rewrites an index's entry for every column an UPDATE names, changed or not, and a
/// note rewrote two index pages a commit for nothing. A trigger on those columns, made behind
/// the store's back, counts the saves that name them.
@Suite struct IndexedColumnsTests {
    @Test func aSaveNamesThePhaseAndDueTimeOnlyWhenTheyChange() async throws {
        let bot = try TestBot()
        let room = "incident-20261124-payment-api-errors"
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.settle()
        try await bot.sqlite.writer.write { db in
            try db.execute(sql: """
                CREATE TABLE indexed_saves (number INTEGER);
                CREATE TRIGGER indexed_saved AFTER UPDATE OF phase, next_due ON incident
                BEGIN INSERT INTO indexed_saves VALUES (new.number); END
                """)
        }
        func namedSaves() async throws -> Int {
            try await bot.sqlite.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM indexed_saves") ?? 0 }
        }
        func column() async throws -> (phase: String?, due: Int64?) {
            try await bot.sqlite.writer.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT phase, next_due FROM incident WHERE number = 1")
                return (row?["phase"], row?["next_due"])
            }
        }
        let due = try await column().due
        #expect(due != nil)
        // A note leaves both as they are: the save does not name them.
        #expect(try await bot.say("U0CAROL03", "/note Gateway timeouts since 09:55", in: room).disposition == .handled)
        #expect(try await namedSaves() == 0)
        #expect(try await column().due == due)
        // Mitigated: the phase changes, and is written.
        #expect(try await bot.say("U0CAROL03", "/incident mitigated", in: room).disposition == .handled)
        #expect(try await namedSaves() == 1)
        #expect(try await column().phase == "mitigated")
        // A due time the row holds otherwise (as an older version computed it) is mended by
        // the next save, which reads the row's own columns, not what it expects them to be.
        let computed = try await column().due
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET next_due = 1 WHERE number = 1") }
        #expect(try await bot.say("U0CAROL03", "/note Still watching", in: room).disposition == .handled)
        #expect(try await column().due == computed)
    }
}
