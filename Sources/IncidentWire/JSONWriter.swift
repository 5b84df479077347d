/// Compact JSON text, appended piece by piece into one byte buffer: the one place JSON
/// strings are escaped and numbers written, for `JSONValue.text`, `StreamingJSONEncoder` and
/// the stored forms written without an encoder (`OutboxJobJSON`, `IncidentRecordJSON`).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Text that is JSON as it stands: punctuation, or a key already quoted.
    public mutating func raw(_ ascii: StaticString) {
        ascii.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `value` as a quoted JSON string: `"` and `\` escaped, control characters as `\n`,
    /// `\t`... or `\u00XX`; everything else (`/` and all of Unicode) as it is.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                escape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case UInt8(ascii: "\n"): raw("\\n")
        case UInt8(ascii: "\r"): raw("\\r")
        case UInt8(ascii: "\t"): raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        default:
            raw("\\u00")
            bytes.append(contentsOf: Hex.digits(byte).utf8)
        }
    }

    /// Text that is already JSON (a number's digits).
    public mutating func literal(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func integer(_ value: some BinaryInteger) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A finite number; false (and nothing written) for infinity and NaN, which JSON cannot hold.
    public mutating func number(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            integer(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
        return true
    }

    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    // An object's member: `key` is JSON as it stands, with its comma before it, its quotes and
    // its colon (`,"title":`), then the value. `memberIfPresent` writes nothing for nil, as
    // `Codable`'s `encodeIfPresent` leaves the key out.

    public mutating func member(_ key: StaticString, _ value: String) {
        raw(key)
        string(value)
    }

    // Integers by their two types, not `some BinaryInteger`: called from other modules, a
    // generic would not be specialized, and these are written for every stored record.
    public mutating func member(_ key: StaticString, _ value: Int) {
        raw(key)
        integer(value)
    }

    public mutating func member(_ key: StaticString, _ value: Int64) {
        raw(key)
        integer(value)
    }

    public mutating func member(_ key: StaticString, _ value: Bool) {
        raw(key)
        bool(value)
    }

    public mutating func memberIfPresent(_ key: StaticString, _ value: String?) {
        if let value { member(key, value) }
    }

    public mutating func memberIfPresent(_ key: StaticString, _ value: Int?) {
        if let value { member(key, value) }
    }

    public mutating func memberIfPresent(_ key: StaticString, _ value: Int64?) {
        if let value { member(key, value) }
    }

    public mutating func memberIfPresent(_ key: StaticString, _ value: Bool?) {
        if let value { member(key, value) }
    }

    /// `values` as an array of strings.
    public mutating func strings(_ values: [String]) {
        raw(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { raw(UInt8(ascii: ",")) }
            string(value)
        }
        raw(UInt8(ascii: "]"))
    }
}
