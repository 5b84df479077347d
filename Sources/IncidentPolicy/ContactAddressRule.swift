import IncidentCore

/// What the roster accepts as a person's address for each method, under which key: one rule
/// per key, so a typo is refused where it is written and not when a page fails at 3 a.m.
struct ContactAddressRule: Sendable {
    /// The methods the address serves (a phone number serves both `sms` and `voice`).
    var methods: [ContactMethod]
    /// What a right one looks like, for the refusal.
    var looksLike: String
    var accepts: @Sendable (String) -> Bool
    /// A wrong value may be the secret itself (a PagerDuty routing key pasted where its
    /// variable's name goes): the refusal does not repeat it.
    var mayBeSecret = false

    /// Why `text` is refused: what a right one looks like, and the text unless it may be a secret.
    func refusal(_ text: String) -> String {
        mayBeSecret ? "\(looksLike) (what is written there is not repeated: it may be the key itself)" : "\(looksLike), not “\(text)”"
    }

    /// By roster key, in the order they are read.
    static let all: [(key: String, rule: ContactAddressRule)] = [
        ("slack", ContactAddressRule(methods: [.slack], looksLike: "a Slack user id looks like U0123ABCD") { text in
            !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
        }),
        ("matrix", ContactAddressRule(methods: [.matrix], looksLike: "a Matrix user id looks like @alice:example.org") { text in
            text.hasPrefix("@") && text.contains(":") && !text.contains(where: \.isWhitespace)
        }),
        // ASCII only: the bot's mail does not ask for SMTPUTF8, and a relay without it refused
        // every page to `älice@exämple.org` at 3 a.m. instead of the roster at load.
        ("email", ContactAddressRule(methods: [.email], looksLike: "a mail address looks like alice@example.org: a name, @ and a domain with a dot, in ASCII") { text in
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
                && text.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && !"<>,;\"()[]\\".unicodeScalars.contains($0) }
        }),
        ("phone", ContactAddressRule(methods: [.sms, .voice], looksLike: "a phone number is written in E.164 form, like +15550100001") { text in
            text.hasPrefix("+") && (8...15).contains(text.count - 1) && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
                && !text.hasPrefix("+0")
        }),
        ("pagerduty", ContactAddressRule(methods: [.pagerduty],
                                         looksLike: "pagerduty names the environment variable that holds the PagerDuty routing key, PAGERDUTY_ and a name, like PAGERDUTY_KEY_ALICE") { text in
            // Only PAGERDUTY_ variables: the roster must not be able to send another secret of
            // the bot's (its Twilio token, its link secret) to PagerDuty as a routing key.
            text.hasPrefix("PAGERDUTY_") && text.count > 10 && text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }
                && !["PAGERDUTY_WEBHOOK_SECRET", "PAGERDUTY_EVENTS_URL"].contains(text)
        }.secret),
        ("webhook", ContactAddressRule(methods: [.webhook], looksLike: "a webhook id is one line of at most 200 characters") { text in
            !text.isEmpty && text.count <= 200 && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
        }),
    ]

    /// This rule, its refusals keeping what was written to themselves.
    var secret: ContactAddressRule {
        var rule = self
        rule.mayBeSecret = true
        return rule
    }

    /// The roster key a method's address is written under: `phone` for `sms` and `voice`.
    static func key(for method: ContactMethod) -> String {
        all.first { $0.rule.methods.contains(method) }?.key ?? method.rawValue
    }
}

/// Whether a text is a well-formed address for a method, by the roster's own rules (a bot
/// config's sender address, say).
public enum ContactAddress {
    public static func isValid(_ text: String, for method: ContactMethod) -> Bool {
        ContactAddressRule.all.first { $0.rule.methods.contains(method) }?.rule.accepts(text) ?? false
    }
}
