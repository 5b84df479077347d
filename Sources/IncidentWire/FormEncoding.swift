/// `application/x-www-form-urlencoded`, as Slack sends slash commands and interactivity, as
/// Slack's Web API and Twilio's REST API take arguments, and as Twilio posts its callbacks.
public enum FormEncoding {
    /// Decodes `a=1&b=x+y`; nil when a `%` escape is broken or the text is not UTF-8. A key that
    /// appears twice keeps its last value.
    public static func decode(_ bytes: some Collection<UInt8>) -> [String: String]? {
        decodePairs(bytes).map { pairs in Dictionary(pairs, uniquingKeysWith: { _, last in last }) }
    }

    /// Every `key=value` pair in order, repeated keys included (what Twilio's signature covers).
    public static func decodePairs(_ bytes: some Collection<UInt8>) -> [(key: String, value: String)]? {
        bytes.withContiguousStorageIfAvailable(decodePairs) ?? Array(bytes).withUnsafeBufferPointer(decodePairs)
    }

    private static func decodePairs(_ bytes: UnsafeBufferPointer<UInt8>) -> [(key: String, value: String)]? {
        var pairs: [(key: String, value: String)] = []
        var start = 0
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            if end > start {
                let pair = UnsafeBufferPointer(rebasing: bytes[start..<end])
                let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.count
                guard let key = unescape(UnsafeBufferPointer(rebasing: pair[..<equals])),
                      let value = equals < pair.count ? unescape(UnsafeBufferPointer(rebasing: pair[(equals + 1)...])) : ""
                else { return nil }
                pairs.append((key, value))
            }
            start = end + 1
        }
        return pairs
    }

    private static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(validating: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 1 < bytes.count, let high = Hex.value(bytes[index]), let low = Hex.value(bytes[index + 1]) else { return nil }
                out.append(high << 4 | low)
                index += 2
            default: out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Encodes fields in key order (stable bodies for signing and tests).
    public static func encode(_ fields: [String: String]) -> String {
        fields.sorted { $0.key < $1.key }.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default:
                out += "%" + Hex.digits(byte, uppercase: true)
            }
        }
        return out
    }
}
