import IncidentCore

/// The accounts the bot serves beyond its roster: its own Slack workspace (checked at the
/// Slack door, where a request says which team it came from) and its allowed Matrix servers.
/// Only a served account may type commands, be named incident commander or be given a role.
public struct Community: Hashable, Sendable {
    /// Matrix servers (`example.org`) and single Matrix ids (`@alice:example.org`) whose
    /// accounts are served; nil serves every Matrix account (tests, a bot without Matrix).
    public var matrix: Set<String>?
    /// The bot's own Matrix server when it is served but not known yet: the homeserver did not
    /// answer who the bot is as the process started. Its accounts are served once it has.
    public var ownMatrixServer: (any LearnedServer)?
    /// The bot's own accounts, as the platforms name them once asked; nil: none known (tests,
    /// the console).
    public var ownAccounts: (any LearnedAccounts)?
    /// The chat platforms the bot runs on; nil: every one (tests). An account on another
    /// (`<@U0123>` on a bot without Slack) is nobody the bot can reach.
    public var platforms: Set<Platform>?
    /// Accounts a platform said are outside the ones served (a Slack user id does not say its
    /// workspace; Slack's `users.info` does, asked as a command names it); nil: none known.
    public var outsiders: (any LearnedOutsiders)?
    /// The platforms the incident at hand has a room on (its home; with `mirror`, every chat
    /// platform served); nil: every one. An unlisted account is named IC or given a role only
    /// on one of them: it may act only in the incident's room (roster people act from anywhere
    /// and are told by direct message), so one on another platform could neither read the
    /// room nor type a command that counts, while its silence paged up the ladder.
    public var roomPlatforms: Set<Platform>?

    public init(matrix: Set<String>? = nil, ownMatrixServer: (any LearnedServer)? = nil, ownAccounts: (any LearnedAccounts)? = nil,
                outsiders: (any LearnedOutsiders)? = nil) {
        self.matrix = matrix
        self.ownMatrixServer = ownMatrixServer
        self.ownAccounts = ownAccounts
        self.outsiders = outsiders
    }

    /// The same accounts, served only on `platforms`.
    public func on(_ platforms: Set<Platform>) -> Community {
        var served = self
        served.platforms = platforms
        return served
    }

    /// The same accounts, for an incident whose rooms are on `platforms` (nil: every one).
    public func forRooms(on platforms: Set<Platform>?) -> Community {
        var served = self
        served.roomPlatforms = platforms
        return served
    }

    public static func == (lhs: Community, rhs: Community) -> Bool {
        lhs.matrix == rhs.matrix && lhs.platforms == rhs.platforms && lhs.roomPlatforms == rhs.roomPlatforms && lhs.ownMatrixServer.map(ObjectIdentifier.init) == rhs.ownMatrixServer.map(ObjectIdentifier.init)
            && lhs.ownAccounts.map(ObjectIdentifier.init) == rhs.ownAccounts.map(ObjectIdentifier.init)
            && lhs.outsiders.map(ObjectIdentifier.init) == rhs.outsiders.map(ObjectIdentifier.init)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(matrix)
        hasher.combine(platforms)
        hasher.combine(roomPlatforms)
        hasher.combine(ownMatrixServer.map(ObjectIdentifier.init))
        hasher.combine(ownAccounts.map(ObjectIdentifier.init))
        hasher.combine(outsiders.map(ObjectIdentifier.init))
    }

    /// Serves every account: for tests and the console.
    public static let everyone = Community()

    /// Whether `account` on `platform` is served: never on a platform the bot does not run on.
    /// Slack accounts are served here unless Slack said otherwise (`outsiders`): a Slack
    /// request from another workspace never reaches the engine.
    public func serves(_ platform: Platform, account: String) -> Bool {
        if let platforms, !platforms.contains(platform) { return false }
        if outsiders?.isOutside(.unlisted(platform, account)) == true { return false }
        guard platform == .matrix, let matrix else { return true }
        let server = Self.server(ofMatrixUser: account)
        return matrix.contains(account) || matrix.contains(server) || (ownMatrixServer?.server.map { $0 == server } ?? false)
    }

    /// Whether the account typing on `platform` is served, as the doors ask before anything
    /// is decided: a roster person's account always is (the bot pages them there and tells
    /// them to answer there), any other when its platform serves it.
    public func serves(_ platform: Platform, account: String, roster: Roster) -> Bool {
        serves(roster.identify(platform, accountID: account), roster: roster)
    }

    /// Whether `person` is served: a roster person always is; an unlisted account when its
    /// platform serves it.
    public func serves(_ person: PersonID, roster: Roster) -> Bool {
        if roster.people[person] != nil { return true }
        guard let platform = person.accountPlatform else { return false }
        return serves(platform, account: String(person.rawValue.dropFirst(platform.rawValue.count + 1)))
    }

    /// `example.org` of `@alice:example.org` (everything after the first colon, port included).
    public static func server(ofMatrixUser id: String) -> String {
        guard let colon = id.firstIndex(of: ":") else { return "" }
        return String(id[id.index(after: colon)...])
    }

    /// How the served Matrix accounts read in a refusal to someone the bot trusts: `accounts on
    /// example.org, chat.example.org; @eve:example.net` (servers, then accounts allowed one by one).
    public var matrixDescription: String {
        guard let matrix else { return "any server" }
        let accounts = matrix.filter { $0.hasPrefix("@") }.sorted()
        return ([matrixServersDescription] + (accounts.isEmpty ? [] : [accounts.joined(separator: ", ")]))
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// The served Matrix servers alone, as said to someone refused: `accounts on example.org`;
    /// empty when only single accounts are served, which a stranger is not told.
    public var matrixServersDescription: String {
        guard let matrix else { return "accounts on any server" }
        let own = ownMatrixServer.map { $0.server ?? "the bot's own server (not known yet: its homeserver has not answered)" }
        let servers = matrix.filter { !$0.hasPrefix("@") }.sorted() + (own.map { [$0] } ?? [])
        return servers.isEmpty ? "" : "accounts on " + servers.joined(separator: ", ")
    }
}

/// The bot's own Matrix server, learned from its homeserver after the process started (the
/// app keeps it: `LearnedMatrixServer`); nil until then.
public protocol LearnedServer: AnyObject, Sendable {
    var server: String? { get }
    func learn(_ server: String)
}

/// The bot's own chat accounts, learned from each platform after the process started (the
/// engine keeps them: `OwnAccounts`); none known until then.
public protocol LearnedAccounts: AnyObject, Sendable {
    func learn(_ platform: Platform, account: String)
    func contains(_ person: PersonID) -> Bool
    /// Whether the account on `platform` is known yet.
    func knows(_ platform: Platform) -> Bool
}

/// Accounts a platform said are outside the workspaces the bot serves, learned as commands
/// name them (the app keeps them: `AccountsOutside`), and the accounts named that the platform
/// has not answered for yet.
public protocol LearnedOutsiders: AnyObject, Sendable {
    /// `person` is outside the accounts served.
    func learn(_ person: PersonID)
    /// `person` is one of the accounts served.
    func learnServed(_ person: PersonID)
    /// `person` was named and its platform is being asked about it: until an answer comes,
    /// it is not named to a role (`isUnanswered`).
    func asking(_ person: PersonID)
    func isOutside(_ person: PersonID) -> Bool
    /// Whether `person` was named, and its platform has not said yet whether it is served.
    func isUnanswered(_ person: PersonID) -> Bool
}
