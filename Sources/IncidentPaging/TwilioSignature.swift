import Crypto
import Foundation
import IncidentWire

/// Twilio's request signature, `X-Twilio-Signature`: base64 of HMAC-SHA1, under the account's
/// auth token, of the URL Twilio requested followed by each POST parameter's name and value,
/// sorted by name. Twilio may have requested the URL with or without its default port; either
/// form is accepted, as Twilio's own validators do.
///
/// While the auth token is rotated, a signature by either token is taken: Twilio signs with the
/// account's primary token, which changes the moment the secondary is promoted, before the
/// bot's new token is deployed, and every callback meanwhile (a call's end, a keypress, a text's
/// reply) was refused.
public struct TwilioSignature: Sendable {
    /// The token signatures are made with; `also`, tokens a signature may be made with too.
    let authToken: Secret
    let also: [Secret]

    public init(authToken: Secret, also: [Secret] = []) {
        self.authToken = authToken
        self.also = also
    }

    public func sign(url: String, parameters: [(key: String, value: String)]) -> String {
        var text = url
        for (key, value) in parameters.sorted(by: { ($0.key, $0.value) < ($1.key, $1.value) }) { text += key + value }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(authToken.value.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Whether `header` signs the request to `url` with `parameters`, compared in constant time.
    public func verify(_ header: String?, url: String, parameters: [(key: String, value: String)]) -> Bool {
        guard let header, let given = Data(base64Encoded: header), given.count == Insecure.SHA1.byteCount else { return false }
        let sorted = parameters.sorted(by: { ($0.key, $0.value) < ($1.key, $1.value) })
        return Self.portVariants(url).contains { candidate in
            var text = candidate
            for (key, value) in sorted { text += key + value }
            return ([authToken] + also).contains { token in
                HMAC<Insecure.SHA1>.isValidAuthenticationCode(given, authenticating: Array(text.utf8),
                                                              using: SymmetricKey(data: Array(token.value.utf8)))
            }
        }
    }

    /// The URL as given, and with its scheme's default port added or removed.
    static func portVariants(_ url: String) -> [String] {
        guard var parts = URLComponents(string: url), let scheme = parts.scheme else { return [url] }
        let standard = scheme == "https" ? 443 : 80
        var variants = [url]
        if parts.port == nil {
            parts.port = standard
            if let with = parts.string { variants.append(with) }
        } else if parts.port == standard {
            parts.port = nil
            if let without = parts.string { variants.append(without) }
        }
        return variants
    }
}
