/// Reads JSON text (RFC 8259) straight into a `JSONValue`, in one pass over its bytes: what
/// `JSONValue.parse` uses for every Slack answer and payload, Matrix answer and webhook body.
/// Through `JSONDecoder` each value was tried as every type in turn, an error thrown for each
/// miss. This costs a fraction of that and reads UTF-8 text as that decoder did, to the same
/// values (`JSONParserTests` holds the two side by side): a leading byte-order mark skipped,
/// any value at the top, no comments or leading zeros, escapes in strings only as JSON has
/// them, a surrogate only in a pair, no number a `Double` cannot hold (too large, or so small
/// it would read as zero), no nesting deeper than 512 (a hostile body cannot exhaust the
/// stack). As that decoder did, a trailing comma in an array or object is let pass and a
/// repeated key keeps its first value. Two differences: that decoder guessed UTF-16 and UTF-32
/// from the bytes (so `1\0` read as UTF-16 "1"), where this reads UTF-8 only, as RFC 8259
/// asks of JSON between systems; and a zero with an exponent (`0e5`), valid JSON that decoder
/// refused, reads as zero.
struct JSONParser {
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The value `bytes` holds, or nil when they are not one JSON text.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var parser = JSONParser(bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        guard let value = parser.value() else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? value : nil
    }

    private var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = next, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    /// Consumes `word` if the text continues with it.
    private mutating func take(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func value() -> JSONValue? {
        skipWhitespace()
        guard let byte = next else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return take("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return take("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return take("null") ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number().map(JSONValue.number)
        default: return nil
        }
    }

    private mutating func object() -> JSONValue? {
        var members: [String: JSONValue] = [:]
        let complete = container(closedBy: UInt8(ascii: "}")) { parser in
            parser.skipWhitespace()
            guard parser.next == UInt8(ascii: "\""), let key = parser.string() else { return false }
            parser.skipWhitespace()
            guard parser.next == UInt8(ascii: ":") else { return false }
            parser.index += 1
            guard let value = parser.value() else { return false }
            if members[key] == nil { members[key] = value }
            return true
        }
        return complete ? .object(members) : nil
    }

    private mutating func array() -> JSONValue? {
        var elements: [JSONValue] = []
        let complete = container(closedBy: UInt8(ascii: "]")) { parser in
            guard let element = parser.value() else { return false }
            elements.append(element)
            return true
        }
        return complete ? .array(elements) : nil
    }

    /// Reads an object's members or an array's elements with `item` (false: not JSON), from the
    /// opening bracket to `close`, with the commas between them; false when it is not JSON or
    /// nests too deep.
    private mutating func container(closedBy close: UInt8, _ item: (inout JSONParser) -> Bool) -> Bool {
        guard depth < Self.maximumDepth else { return false }
        depth += 1
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if next == close {
            index += 1
            return true
        }
        while true {
            guard item(&self) else { return false }
            skipWhitespace()
            guard next == UInt8(ascii: ",") else { break }
            index += 1
            skipWhitespace()
            if next == close { break }
        }
        guard next == close else { return false }
        index += 1
        return true
    }

    /// A string, from its opening quote: runs without escapes are taken as they are and
    /// checked as UTF-8 once, at the end.
    private mutating func string() -> String? {
        index += 1
        let start = index
        while let byte = next, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            index += 1
        }
        guard let stop = next else { return nil }
        if stop == UInt8(ascii: "\"") {
            index += 1
            return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
        }
        var text = Array(bytes[start..<index])
        while let byte = next {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard escape(into: &text) else { return nil }
            case ..<0x20:
                return nil
            default:
                text.append(byte)
            }
        }
        return nil
    }

    /// Appends what the escape after a backslash stands for, as UTF-8; false when it is not
    /// one JSON has.
    private mutating func escape(into text: inout [UInt8]) -> Bool {
        guard let byte = next else { return false }
        index += 1
        let scalar: Unicode.Scalar?
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalar = Unicode.Scalar(byte)
        case UInt8(ascii: "b"): scalar = "\u{08}"
        case UInt8(ascii: "f"): scalar = "\u{0C}"
        case UInt8(ascii: "n"): scalar = "\n"
        case UInt8(ascii: "r"): scalar = "\r"
        case UInt8(ascii: "t"): scalar = "\t"
        case UInt8(ascii: "u"):
            guard let unit = hexUnit() else { return false }
            switch unit {
            case 0xD800...0xDBFF:
                guard take("\\u"), let low = hexUnit(), (0xDC00...0xDFFF).contains(low) else { return false }
                scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
            case 0xDC00...0xDFFF:
                scalar = nil
            default:
                scalar = Unicode.Scalar(unit)
            }
        default:
            scalar = nil
        }
        guard let scalar else { return false }
        UTF8.encode(scalar) { text.append($0) }
        return true
    }

    /// The four hex digits of a `\u` escape.
    private mutating func hexUnit() -> UInt16? {
        guard bytes.count - index >= 4 else { return nil }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = Hex.value(bytes[index]) else { return nil }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }

    /// A number as JSON writes one: checked against the grammar here, converted by the
    /// standard library; one a `Double` cannot hold (too large, or nonzero read as zero) is
    /// refused.
    private mutating func number() -> Double? {
        let start = index
        if next == UInt8(ascii: "-") { index += 1 }
        guard let first = next, isDigit(first) else { return nil }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if next == UInt8(ascii: ".") {
            index += 1
            guard digits() else { return nil }
        }
        let mantissaIsZero = bytes[start..<index].allSatisfy { !isDigit($0) || $0 == UInt8(ascii: "0") }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            index += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { index += 1 }
            guard digits() else { return nil }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text), number.isFinite, number != 0 || mantissaIsZero else { return nil }
        return number
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = next, isDigit(byte) { index += 1 }
    }

    /// One digit or more.
    private mutating func digits() -> Bool {
        let start = index
        skipDigits()
        return index > start
    }
}
