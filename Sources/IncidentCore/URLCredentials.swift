/// Credentials before a URL's host (`https://user:password@host/`): every URL of the config
/// and the policy is refused with them, without repeating it. A secret comes from the
/// environment or a file; a URL is logged, and a runbook or call link is posted in rooms,
/// pages and the topic.
public enum URLCredentials {
    /// Whether `url` carries them; an `@` in its path, query or fragment is theirs.
    public static func carried(by url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        return url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }.contains("@")
    }
}
