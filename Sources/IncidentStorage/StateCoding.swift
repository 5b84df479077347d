import Foundation
import IncidentEngine
import IncidentRules
import IncidentWire

/// The JSON the stores' text columns hold: an incident's `IncidentRecord` (`incident.state`),
/// a policy, an outbox job.
public enum StateCoding {
    /// The incident's record, without its policy (format 2): the text `encode` gives for it,
    /// written without an encoder (`IncidentRecordJSON`).
    public static func encodeRecord(_ incident: Incident) throws -> String {
        try encodeRecord(IncidentRecord(incident))
    }

    public static func encodeRecord(_ record: IncidentRecord) throws -> String {
        try IncidentRecordJSON.text(record)
    }

    /// The incident in a row's `state`, `format` and `policy` columns: format 1 holds its policy
    /// inside, formats 2 to 5 refer to one in the `policy` table, read through `policies` and
    /// `load`.
    public static func decodeIncident(state: String, format: Int, policy digest: String?, policies: PolicySnapshots,
                                      load: (String) throws -> String?) throws -> Incident {
        let record = try decode(IncidentRecord.self, state)
        switch format {
        case 1:
            guard let policy = record.policy else { throw CorruptRow(description: "a format 1 incident without its policy") }
            return record.incident(policy: policy)
        case 2...IncidentRecord.currentFormat:
            guard let digest else { throw CorruptRow(description: "incident \(record.number) refers to no policy") }
            return record.incident(policy: try policies.policy(digest, load: load))
        default:
            throw CorruptRow(description: "incident \(record.number) is in format \(format), which this version cannot read")
        }
    }

    /// Compact JSON written as the value encodes itself (`StreamingJSONEncoder`): every save
    /// and every outbox item is encoded, so this is on the hot path. Its text reads back with
    /// `decode` to the value `JSONEncoder`'s would.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        try StreamingJSONEncoder().encode(value)
    }

    /// An outbox job's `job` column: the text `encode` gives, written without an encoder
    /// (`OutboxJobJSON`).
    public static func encodeJob(_ job: OutboxItem.Job) -> String {
        OutboxJobJSON.text(job)
    }

    /// The one JSON a value has, keys sorted: what a policy's digest is taken of.
    public static func encodeCanonical<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
