/// One line for a TLS failure: BoringSSL's reasons (`WRONG_VERSION_NUMBER`,
/// `CERTIFICATE_VERIFY_FAILED`) or NIOSSL's case, without the library's error numbers and the
/// source paths of the build (`.../tls_record.cc:127`) its description carries, which reached
/// the incident's timeline and room.
public enum TLSFailure {
    /// The reason, when `error` is a TLS library's; nil otherwise.
    public static func reason(_ error: any Error) -> String? {
        let text = String(describing: error)
        guard text.contains("NIOSSL") || text.contains("BoringSSL") else { return nil }
        var reasons: [String] = []
        for match in text.matches(of: /OPENSSL_internal:([A-Z0-9_]+)/) where !reasons.contains(String(match.1)) {
            reasons.append(String(match.1))
        }
        if reasons.isEmpty, let name = text.firstMatch(of: /NIOSSLError\.([A-Za-z]+)/)?.1 { reasons.append(String(name)) }
        return reasons.isEmpty ? "TLS failed" : "TLS failed (" + reasons.joined(separator: ", ") + ")"
    }
}
