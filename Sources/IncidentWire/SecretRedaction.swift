extension Secret {
    /// `text` with each of `secrets` shown as `<redacted>` in every form an answer may quote
    /// a request's secret in: a provider, a homeserver or a proxy in front of them may quote
    /// the request in its error, headers, form body and all (a Matrix `error` quoted the
    /// `Authorization` header, and the bot's token reached the log, `/readyz` and the
    /// incident's timeline).
    public static func redacting(_ secrets: [Secret], in text: String) -> String {
        let forms = secrets.filter { !$0.value.isEmpty }.flatMap(\.quotedForms).sorted { $0.count > $1.count }
        var text = text
        for form in forms where text.contains(form) {
            text = text.replacing(form, with: "<redacted>")
        }
        return text
    }

    /// As sent; percent-encoded as a form body or most proxies write it (RFC 3986's unreserved
    /// characters kept) and as Foundation does with only letters and digits kept, each in upper
    /// and lower hex; and JSON-escaped, `/` as `\/` (PHP's way).
    var quotedForms: Set<String> {
        let unreserved: (UInt8) -> Bool = { Self.isAlphanumeric($0) || "-_.~".utf8.contains($0) }
        var forms: Set<String> = [value]
        for uppercase in [true, false] {
            forms.insert(Self.percentEncoded(value, keeping: unreserved, uppercase: uppercase))
            forms.insert(Self.percentEncoded(value, keeping: Self.isAlphanumeric, uppercase: uppercase))
        }
        forms.insert(value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("/", with: "\\/"))
        return forms
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func percentEncoded(_ text: String, keeping kept: (UInt8) -> Bool, uppercase: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            if kept(byte) { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += "%" + Hex.digits(byte, uppercase: uppercase) }
        }
        return out
    }
}
