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
}
