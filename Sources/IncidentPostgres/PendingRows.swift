import PostgresNIO

/// A statement that takes any number of rows of values: `template` with `{rows}` where the
/// rows go (`VALUES ($1::text, $2::bigint), (...)`), each value cast to its column's type (a
/// NULL has no type of its own for the server to go by). `table` is the one it writes.
struct RowTarget: Hashable {
    let table: String
    let template: String
    let types: [String]

    init(_ table: String, _ template: String, types: [String]) {
        precondition(template.contains("{rows}"), "a row statement has a {rows} place")
        self.table = table
        self.template = template
        self.types = types
    }
}

/// Rows a transaction writes, held until its next other statement and sent as one statement a
/// target: postgres-nio sends a connection's statements one at a time, each after the answer
/// to the one before, so every statement costs a round trip to the server, and a batch of
/// commands writes a few rows each into the same few tables.
///
/// Held rows go out before any other statement is sent or waited for, so no statement sees
/// the database without them and their order against every other statement is kept. Rows for
/// one table keep their order among themselves too: a row for a table with rows of another
/// statement held sends what is held first. Only their order against held rows of other
/// tables changes, which nothing depends on (`PostgresRecords` holds rows for seen events, the
/// timeline and the outbox, none of which refers to another).
struct PendingRows {
    struct Batch {
        let target: RowTarget
        var binds = PostgresBindings()
        var rows = 0
    }

    /// The most values one statement may carry (PostgreSQL counts its parameters in 16 bits).
    static let maxParameters = 65_535

    private(set) var batches: [Batch] = []

    var isEmpty: Bool { batches.isEmpty }

    /// Holds one row for `target`; `row` appends exactly its values, one a column, in order.
    /// Returns what must be sent before it: a full batch of its own target, or everything held
    /// when another statement on its table is.
    mutating func add(_ target: RowTarget, _ row: (inout PostgresBindings) -> Void) -> [Batch] {
        var sendFirst: [Batch] = []
        if batches.contains(where: { $0.target.table == target.table && $0.target != target }) {
            sendFirst = take()
        } else if let index = batches.firstIndex(where: { $0.target == target }),
                  batches[index].binds.count + target.types.count > Self.maxParameters {
            sendFirst = [batches.remove(at: index)]
        }
        let index = batches.firstIndex { $0.target == target } ?? {
            batches.append(Batch(target: target))
            return batches.count - 1
        }()
        let before = batches[index].binds.count
        row(&batches[index].binds)
        precondition(batches[index].binds.count - before == target.types.count, "a row for \(target.table) with the wrong number of values")
        batches[index].rows += 1
        return sendFirst
    }

    /// Every held batch, in the order their targets were first asked for; none is held after.
    mutating func take() -> [Batch] {
        defer { batches = [] }
        return batches
    }
}

extension PendingRows.Batch {
    /// The batch as one statement: its target's template with `VALUES ($1::type, ...), (...)`.
    var query: PostgresQuery {
        let types = target.types
        var values = "VALUES "
        for row in 0..<rows {
            if row > 0 { values += ", " }
            values += "("
            for (offset, type) in types.enumerated() {
                if offset > 0 { values += ", " }
                values += "$\(row * types.count + offset + 1)::\(type)"
            }
            values += ")"
        }
        return PostgresQuery(unsafeSQL: target.template.replacingOccurrences(of: "{rows}", with: values), binds: binds)
    }
}
