/// One line for a failure of the network under a call, as the incident's room and timeline
/// show it: BoringSSL's reasons for TLS (`WRONG_VERSION_NUMBER`, `CERTIFICATE_VERIFY_FAILED`),
/// or what a connection attempt met (refused, reset, a host name that does not resolve),
/// without the libraries' error numbers, type dumps and the source paths of the bot's build
/// that their descriptions carry.
public enum NetworkFailure {
    /// The reason, when `error` is one of these; nil otherwise.
    public static func reason(_ error: any Error) -> String? {
        let text = String(describing: error)
        if text.contains("NIOSSL") || text.contains("BoringSSL") {
            var reasons: [String] = []
            for match in text.matches(of: /OPENSSL_internal:([A-Z0-9_]+)/) where !reasons.contains(String(match.1)) {
                reasons.append(String(match.1))
            }
            if reasons.isEmpty, let name = text.firstMatch(of: /NIOSSLError\.([A-Za-z]+)/)?.1 { reasons.append(String(name)) }
            return reasons.isEmpty ? "TLS failed" : "TLS failed (" + reasons.joined(separator: ", ") + ")"
        }
        if text.contains("UnknownHost") { return "the host name cannot be resolved" }
        if text.contains("Connection refused") { return "connection refused" }
        if text.contains("Connection reset") { return "connection reset" }
        return nil
    }
}
