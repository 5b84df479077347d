/// Credentials before a URL's host (`https://user:password@host/`): every URL of the config
/// and the policy is refused with them, without repeating it. A secret comes from the
/// environment or a file; a URL is logged, and a runbook or call link is posted in rooms,
/// pages and the topic.
public enum URLCredentials {
    /// Whether `url` may carry them: an `@` in its authority (an `@` in its path, query or
    /// fragment is theirs), or an authority whose port is no number. A password with a `/`,
    /// `?` or `#` in it ends the authority there: `https://bot:pa/ss@host` reads as the host
    /// `bot` on the port `pa`, and passed as an address with no credentials, into every link
    /// of every page.
    public static func carried(by url: String) -> Bool {
        guard let authority = authority(of: url) else { return false }
        if authority.contains("@") { return true }
        let afterHost: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            afterHost = authority[authority.index(after: close)...]
        } else {
            afterHost = authority.drop { $0 != ":" }
        }
        return afterHost.first == ":" && !afterHost.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// What comes between `://` and the path, query or fragment; nil without a `://`.
    public static func authority(of url: String) -> Substring? {
        guard let scheme = url.range(of: "://") else { return nil }
        return url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }

    /// What a refusal says the URL carries.
    public static let refused = "carries credentials before its host (user:password@, or a port that is no number, "
        + "as a password with /, ? or # in it makes)"
}
