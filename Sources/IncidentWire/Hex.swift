/// Bytes as hexadecimal digits: signatures, digests, percent-encoding.
public enum Hex {
    static let upperDigits = Array("0123456789ABCDEF")
    static let lowerDigits = Array("0123456789abcdef")

    /// The byte as two hex digits.
    public static func digits(_ byte: UInt8, uppercase: Bool = false) -> String {
        let digits = uppercase ? upperDigits : lowerDigits
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    public static func string(_ bytes: some Sequence<UInt8>, uppercase: Bool = false) -> String {
        bytes.map { digits($0, uppercase: uppercase) }.joined()
    }

    /// A hex digit's value; nil for anything else.
    public static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The bytes hex text spells; nil for an odd length or a character that is not a digit.
    public static func bytes(_ text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
