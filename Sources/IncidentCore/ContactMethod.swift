/// A way the bot reaches a person: a chat platform's direct message, or one of the pager
/// methods (mail, a text, a phone call, PagerDuty, a team's own webhook). Outbox items name
/// the method that delivers them; a page fails over from one method to the next in the
/// person's order.
public enum ContactMethod: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case slack
    case matrix
    case console
    case email
    case sms
    case voice
    case pagerduty
    case webhook

    public init(_ platform: Platform) {
        switch platform {
        case .slack: self = .slack
        case .matrix: self = .matrix
        case .console: self = .console
        }
    }

    /// The chat platform this method is, or nil for a pager method.
    public var platform: Platform? { Platform(rawValue: rawValue) }

    /// The methods that reach a person without chat.
    public static let pagers: [ContactMethod] = [.email, .sms, .voice, .pagerduty, .webhook]

    public var description: String { rawValue }
}
