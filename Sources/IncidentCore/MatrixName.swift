/// The grammar of Matrix names, as the bot reads them in chat (a mention) and in its config
/// (who may invite it, whose commands it runs): one grammar for both, the config also taking
/// historical localparts (`isUserID(_:historical:)`).
public enum MatrixName {
    /// `@alice:example.org`: a localpart and a server name. The localpart is of the spec's
    /// characters (lower case); `historical` also takes any printable ASCII but the colon, as
    /// the spec's historical user ids have it (`@Alice:...` on a server older than the
    /// lower-case rule), so a config that names one still starts.
    public static func isUserID(_ text: Substring, historical: Bool = false) -> Bool {
        guard text.hasPrefix("@"), let colon = text.firstIndex(of: ":") else { return false }
        let local = text[text.index(after: text.startIndex)..<colon]
        return !local.isEmpty && local.allSatisfy { historical ? isHistoricalLocalpartCharacter($0) : isLocalpartCharacter($0) }
            && isServerName(text[text.index(after: colon)...])
    }

    /// `example.org`, `example.org:8448`, `127.0.0.1`, `[::1]:8448`: a host name of letters,
    /// digits, dots and dashes, or an IPv6 literal in brackets, and an optional port.
    public static func isServerName(_ server: Substring) -> Bool {
        guard !server.isEmpty, server.count <= 255 else { return false }
        var host = server
        var port: Substring = ""
        if server.hasPrefix("[") {
            guard let close = server.firstIndex(of: "]") else { return false }
            host = server[...close]
            port = server[server.index(after: close)...]
            guard host.count > 2, host.dropFirst().dropLast().allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else { return false }
        } else {
            if let colon = server.firstIndex(of: ":") {
                host = server[..<colon]
                port = server[colon...]
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else { return false }
        }
        guard !port.isEmpty else { return true }
        let digits = port.dropFirst()
        return port.first == ":" && (1...5).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func isLocalpartCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLowercase || c.isNumber || "._=-/+".contains(c))
    }

    static func isHistoricalLocalpartCharacter(_ c: Character) -> Bool {
        guard let ascii = c.asciiValue else { return false }
        return (0x21...0x7E).contains(ascii) && c != ":"
    }
}
