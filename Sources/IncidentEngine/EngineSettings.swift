import IncidentCore
import IncidentPolicy

/// What the engine, the scheduler and delivery are configured with.
public struct EngineSettings: Sendable {
    /// Applied to new incidents; each incident keeps the policy it was declared under.
    public var policy: Policy
    /// Read live: pages go to whoever is on duty when they are sent.
    public var roster: Roster
    /// Platforms with a transport in this process: where rooms, messages and pages may go.
    public var platforms: Set<Platform>
    /// The room each platform posts declarations and status updates to (platform room id);
    /// a platform without one skips broadcast posts.
    public var broadcastRooms: [Platform: String]
    /// How long a platform event id is remembered for dedupe. Slack retries for minutes and
    /// Matrix never replays a stored since-token, so a week is generous.
    public var seenRetention: Duration
    /// Each incident declared on a chat platform also gets a room on every other chat platform
    /// served, and everything posted to its room or the broadcast room goes to both.
    public var mirror: Bool
    /// The unlisted accounts served: who may type commands and be named IC or given a role.
    public var community: Community
    /// Commands one person may send in a minute; past that they are told once to slow down
    /// and then ignored for the rest of the minute.
    public var commandsPerMinute: Int

    public init(policy: Policy, roster: Roster, platforms: Set<Platform>, broadcastRooms: [Platform: String] = [:],
                seenRetention: Duration = .days(7), mirror: Bool = false, community: Community = .everyone,
                commandsPerMinute: Int = 30) {
        self.policy = policy
        self.roster = roster
        self.platforms = platforms
        self.broadcastRooms = broadcastRooms
        self.seenRetention = seenRetention
        self.mirror = mirror
        self.community = community
        self.commandsPerMinute = commandsPerMinute
    }
}

/// Where people are reached: the roster's accounts, and the platform a person's direct
/// messages and pages go to first and next.
public struct Directory: Sendable {
    public var roster: Roster
    public var platforms: Set<Platform>

    public init(roster: Roster, platforms: Set<Platform>) {
        self.roster = roster
        self.platforms = platforms
    }

    /// `person`'s account on `platform`, or nil when they have none there.
    public func account(_ person: PersonID, on platform: Platform) -> String? {
        if let listed = roster.people[person] {
            return switch platform {
            case .slack: listed.slack
            case .matrix: listed.matrix
            case .console: person.rawValue
            }
        }
        let prefix = platform.rawValue + ":"
        if person.rawValue.hasPrefix(prefix) { return String(person.rawValue.dropFirst(prefix.count)) }
        return platform == .console ? person.rawValue : nil
    }

    public func contact(_ person: PersonID, on platform: Platform) -> Contact {
        Contact(person: person, handle: "@" + person.rawValue, account: account(person, on: platform))
    }

    /// The platforms a direct message to `person` tries, in order: preferred, then the other,
    /// among the platforms served. An incident run from the console keeps everything there.
    public func routes(_ person: PersonID, home: Platform) -> [Platform] {
        if home == .console { return [.console] }
        var order: [Platform]
        if let listed = roster.people[person] {
            order = [listed.preferred] + (listed.fallback.map { [$0] } ?? [])
        } else if let platform = Platform.allCases.first(where: { person.rawValue.hasPrefix($0.rawValue + ":") }) {
            order = [platform]
        } else {
            order = [home]
        }
        order = order.filter { platforms.contains($0) && account(person, on: $0) != nil }
        return order.isEmpty ? [home] : order
    }
}
