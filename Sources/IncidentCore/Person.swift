/// A chat platform incident-bot talks on.
public enum Platform: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case slack
    case matrix
    case console

    public var description: String { rawValue }

    /// The platform's name in a sentence: `Slack`, `Matrix`, `the console`.
    public var title: String {
        switch self {
        case .slack: "Slack"
        case .matrix: "Matrix"
        case .console: "the console"
        }
    }

    /// What a command starts with as its people type it: `/ack` on Slack and the console,
    /// `!ack` on Matrix, whose clients take `/` for their own commands.
    public var commandPrefix: String {
        self == .matrix ? "!" : "/"
    }
}

/// Who a person is to incident-bot: their roster key (`alice`) when the roster knows them,
/// otherwise their platform id qualified by platform (`slack:U0123ABC`, `matrix:@bob:example.org`).
public struct PersonID: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// A person the roster does not know, named by their platform account.
    public static func unlisted(_ platform: Platform, _ accountID: String) -> PersonID {
        PersonID(platform.rawValue + ":" + accountID)
    }

    /// Whether this is a roster key (`alice`), not an account the roster does not list.
    public var isOnRoster: Bool { accountPlatform == nil }

    /// The platform of an account the roster does not list (`matrix:@eve:example.org`); nil
    /// for a roster key.
    public var accountPlatform: Platform? {
        Platform.allCases.first { rawValue.hasPrefix($0.rawValue + ":") }
    }

    public var description: String { rawValue }
    public static func < (lhs: PersonID, rhs: PersonID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// How the person reads in text: `@alice` for a roster key, and an unlisted account as its
    /// platform writes it (`@bob:example.org`, `@U0123ABC`), not by the bot's own qualified id.
    /// An account's name is chosen by whoever made it: `@here:example.org` or `@channel:…`
    /// shown as it is would read, on the other platform of a mirror, as a broadcast mention, so
    /// it is neutralized as typed text is.
    public var handle: String {
        guard let platform = accountPlatform else { return "@" + rawValue }
        let account = rawValue.dropFirst(platform.rawValue.count + 1)
        return BroadcastMentions.neutralize(account.hasPrefix("@") ? String(account) : "@" + account)
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A person as a message mentioned them, before the roster says who that is.
public enum PersonRef: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Slack's escaped mention `<@U0123ABC|alice>`: the user id and, when sent, the label.
    case slack(userID: String, label: String?)
    /// A Matrix user id, `@alice:example.org`.
    case matrix(userID: String)
    /// A plain `@alice`: a roster key or a display handle.
    case handle(String)

    /// `me`, `@me`, `myself`: whoever typed the command (`/ic me`). The bot's own words once
    /// said `/ic @you`, and were typed as written, so `you` is one too.
    public var isTypist: Bool {
        guard case .handle(let name) = self else { return false }
        return ["me", "myself", "you"].contains(name.lowercased())
    }

    public var description: String {
        switch self {
        case .slack(let id, _): "<@\(id)>"
        case .matrix(let id): id
        case .handle(let name): "@" + name
        }
    }
}

/// The roles of an incident's response team.
public enum Role: String, CaseIterable, Hashable, Sendable, Codable, CodingKeyRepresentable, CustomStringConvertible {
    /// The incident commander (IC), assigned with `/ic`.
    case commander = "ic"
    /// Writes the broadcast updates and answers stakeholders.
    case comms
    /// Keeps the timeline.
    case scribe
    /// Leads the technical investigation.
    case lead

    /// The roles `/role` assigns; the IC has its own command.
    public static let assignable: [Role] = [.comms, .scribe, .lead]

    public var description: String { rawValue }

    /// `incident commander`, `comms lead`, ...
    public var title: String {
        switch self {
        case .commander: "incident commander"
        case .comms: "comms lead"
        case .scribe: "scribe"
        case .lead: "technical lead"
        }
    }
}
