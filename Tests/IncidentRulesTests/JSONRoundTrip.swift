import Foundation

enum JSONRoundTrip {
    /// Encodes and decodes `value` as the store will.
    static func copy<T: Codable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }
}
