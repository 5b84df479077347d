import Foundation

/// A JSON value, for the parts of Slack's and Matrix's payloads and answers that have no fixed
/// shape.
public enum JSONValue: Hashable, Sendable, Codable, ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByArrayLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var int: Int? {
        if case .number(let value) = self, value == value.rounded(), abs(value) < 1e15 { return Int(value) }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Parses JSON text; nil when it is not JSON (`JSONParser` says what it accepts).
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        switch bytes.withContiguousStorageIfAvailable(JSONParser.parse) {
        case .some(let parsed): parsed
        case .none: Array(bytes).withUnsafeBufferPointer(JSONParser.parse)
        }
    }

    /// Compact JSON text with sorted keys (stable for tests and logs); a number JSON cannot
    /// hold (infinity, NaN) is written as null.
    public var text: String {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.text
    }

    private func write(to writer: inout JSONWriter) {
        switch self {
        case .string(let value): writer.string(value)
        case .number(let value): if !writer.number(value) { writer.raw("null") }
        case .bool(let value): writer.bool(value)
        case .null: writer.raw("null")
        case .array(let values):
            writer.raw(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { writer.raw(UInt8(ascii: ",")) }
                value.write(to: &writer)
            }
            writer.raw(UInt8(ascii: "]"))
        case .object(let members):
            writer.raw(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.string(key)
                writer.raw(UInt8(ascii: ":"))
                members[key]!.write(to: &writer)
            }
            writer.raw(UInt8(ascii: "}"))
        }
    }
}
