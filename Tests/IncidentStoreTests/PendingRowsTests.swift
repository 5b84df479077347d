@testable import IncidentPostgres
import PostgresNIO
import Testing

/// How held rows become statements: one a target, numbered and cast in order, a full one sent
/// at PostgreSQL's limit of parameters, and rows for one table never overtaking each other.
@Suite struct PendingRowsTests {
    static let notes = RowTarget("note", "INSERT INTO note (id, text) {rows} ON CONFLICT DO NOTHING", types: ["bigint", "text"])
    static let done = RowTarget("note", "UPDATE note SET done = true FROM ({rows}) AS d (id) WHERE note.id = d.id", types: ["bigint"])
    static let seen = RowTarget("seen", "INSERT INTO seen (id) {rows}", types: ["text"])

    @Test func rowsForOneTargetBecomeOneStatement() {
        var pending = PendingRows()
        for n in 1...3 { #expect(pending.add(Self.notes) { $0.append(Int64(n)); $0.append(n == 2 ? nil : "note \(n)" as String?) }.isEmpty) }
        #expect(pending.add(Self.seen) { $0.append("E1") }.isEmpty)
        let batches = pending.take()
        #expect(pending.isEmpty)
        #expect(batches.map(\.query.sql) == [
            "INSERT INTO note (id, text) VALUES ($1::bigint, $2::text), ($3::bigint, $4::text), ($5::bigint, $6::text) ON CONFLICT DO NOTHING",
            "INSERT INTO seen (id) VALUES ($1::text)",
        ])
        #expect(batches.map(\.query.binds.count) == [6, 1])
    }

    @Test func aRowForATableWithAnotherStatementHeldSendsWhatIsHeldFirst() {
        var pending = PendingRows()
        #expect(pending.add(Self.seen) { $0.append("E1") }.isEmpty)
        #expect(pending.add(Self.notes) { $0.append(Int64(1)); $0.append("one") }.isEmpty)
        let first = pending.add(Self.done) { $0.append(Int64(1)) }
        #expect(first.map(\.target) == [Self.seen, Self.notes])
        #expect(pending.take().map(\.target) == [Self.done])
    }

    @Test func aBatchAtTheParameterLimitIsSentWhole() {
        var pending = PendingRows()
        let perStatement = PendingRows.maxParameters / 2
        var sent: [PendingRows.Batch] = []
        for n in 0..<(perStatement + 10) { sent += pending.add(Self.notes) { $0.append(Int64(n)); $0.append("n") } }
        #expect(sent.map(\.rows) == [perStatement])
        #expect(sent.first?.query.binds.count == 2 * perStatement)
        #expect(pending.take().map(\.rows) == [10])
    }
}
