import Foundation
import IncidentRules

/// An incident's state, with its policy snapshot, as the JSON the `incident.state` column holds.
enum StateCoding {
    static func encode(_ incident: Incident) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(incident), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> Incident {
        try JSONDecoder().decode(Incident.self, from: Data(text.utf8))
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
