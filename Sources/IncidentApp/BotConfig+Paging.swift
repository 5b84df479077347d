import IncidentCore
import IncidentPaging
import IncidentPolicy

extension BotConfig {
    /// The `paging:` section: the methods that reach people off chat. Their secrets come from
    /// the environment (`SMTP_USERNAME`, `SMTP_PASSWORD`, or `_FILE`).
    public struct PagingSettings: Sendable {
        public var email: EmailSettings?
    }

    /// `paging.email`: mail over SMTP.
    public struct EmailSettings: Sendable {
        public var host: String
        public var port: Int
        public var security: SMTPClient.Security
        /// The sender address.
        public var from: String
        /// PEM file of a private certificate authority for the relay; nil: the system's.
        public var caFile: String?
    }

    static let pagingKeys = ["email"]
    static let emailKeys = ["enabled", "host", "port", "security", "from", "ca_file"]

    static func loadPaging(_ node: ConfigNode, resolve: (String) -> String) throws(ConfigError) -> PagingSettings {
        let map = try node.mapping(keys: pagingKeys)
        var paging = PagingSettings()
        if let node = map.optional("email") {
            let email = try node.mapping(keys: emailKeys)
            guard let enabled = email.optional("enabled"), try enabled.bool() else { return paging }
            let host = try email.required("host").string()
            guard !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == ":" && !host.hasPrefix("[") }) else {
                throw try email.required("host").error("host is the SMTP server's name or address, such as smtp.example.org, not “\(host)”")
            }
            let securityNode = email.optional("security")
            let securityText = try securityNode?.string() ?? "starttls"
            guard let security = SMTPClient.Security(rawValue: securityText) else {
                throw securityNode!.error("security is starttls, tls or none, not “\(securityText)”")
            }
            let defaultPort = security == .tls ? 465 : 587
            let port = try email.optional("port")?.int(min: 1) ?? defaultPort
            guard port <= 65_535 else { throw try email.required("port").error("port is 1 to 65535") }
            let fromNode = try email.required("from")
            let from = try fromNode.string()
            guard ContactAddress.isValid(from, for: .email) else {
                throw fromNode.error("from is the sender's mail address, such as incident-bot@example.org, not “\(from)”")
            }
            paging.email = EmailSettings(host: host, port: port, security: security, from: from,
                                         caFile: try email.optional("ca_file")?.string(allowEmpty: true).nonEmpty.map(resolve))
        }
        return paging
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
