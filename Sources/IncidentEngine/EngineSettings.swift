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
    /// Pager methods with a transport in this process (mail, SMS, voice, PagerDuty, webhook).
    public var pagers: Set<ContactMethod>
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

    public init(policy: Policy, roster: Roster, platforms: Set<Platform>, pagers: Set<ContactMethod> = [],
                broadcastRooms: [Platform: String] = [:],
                seenRetention: Duration = .days(7), mirror: Bool = false, community: Community = .everyone,
                commandsPerMinute: Int = 30) {
        self.policy = policy
        self.roster = roster
        self.platforms = platforms
        self.pagers = pagers
        self.broadcastRooms = broadcastRooms
        self.seenRetention = seenRetention
        self.mirror = mirror
        // An account on a platform this process does not run is nobody it can reach.
        self.community = community.on(platforms)
        self.commandsPerMinute = commandsPerMinute
    }

    /// `community` for an incident whose home is `home`: its rooms are there alone, or with
    /// `mirror` on every chat platform served (an incident run from the console stays there).
    public func community(home: Platform) -> Community {
        community.forRooms(on: mirror && home != .console ? nil : [home])
    }
}

/// Where people are reached: the roster's addresses, and the order a person's direct
/// messages (chat only) and pages (chat and the pager methods) try them in.
public struct Directory: Sendable {
    public var roster: Roster
    /// Chat platforms served by this process.
    public var platforms: Set<Platform>
    /// Pager methods served by this process (configured under `paging:`).
    public var pagers: Set<ContactMethod>

    public init(roster: Roster, platforms: Set<Platform>, pagers: Set<ContactMethod> = []) {
        self.roster = roster
        self.platforms = platforms
        self.pagers = pagers
    }

    /// `person`'s address for `method`, or nil when they have none there. An unlisted person
    /// has only the chat account they are named by.
    public func address(_ person: PersonID, on method: ContactMethod) -> String? {
        if method == .console { return person.rawValue }
        if let listed = roster.people[person] { return listed.addresses[method] }
        let prefix = method.rawValue + ":"
        return method.platform != nil && person.rawValue.hasPrefix(prefix) ? String(person.rawValue.dropFirst(prefix.count)) : nil
    }

    /// `person`'s account on a chat `platform`, or nil when they have none there.
    public func account(_ person: PersonID, on platform: Platform) -> String? {
        address(person, on: ContactMethod(platform))
    }

    public func contact(_ person: PersonID, on method: ContactMethod) -> Contact {
        Contact(person: person, handle: person.handle, account: address(person, on: method), typesCommands: typesCommands(person),
                commandPrefix: commandPrefix(person))
    }

    /// What `person`'s commands start with: `!` when Matrix is the only chat served here that
    /// they have an account on, else `/`.
    public func commandPrefix(_ person: PersonID) -> String {
        let chats = platforms.filter { $0 != .console && account(person, on: $0) != nil }
        return chats.count == 1 ? chats.first!.commandPrefix : "/"
    }

    /// Whether `person` has an account on a chat platform served here, where they can type
    /// the bot's commands (on the console everyone does).
    public func typesCommands(_ person: PersonID) -> Bool {
        roster.people[person]?.typesCommands(on: platforms) ?? platforms.contains { account(person, on: $0) != nil }
    }

    /// The address a page to `paged` uses for `method`: the person's own, else the level's
    /// (roster `levels: ... { pagerduty: ... }`).
    public func address(for paged: PagedLevel, on method: ContactMethod) -> String? {
        address(paged.person, on: method) ?? roster.levelAddresses[LevelRef(ladder: paged.ladder, level: paged.level)]?[method]
    }

    public func contact(for paged: PagedLevel, on method: ContactMethod) -> Contact {
        Contact(person: paged.person, handle: paged.person.handle, account: address(for: paged, on: method),
                typesCommands: typesCommands(paged.person), commandPrefix: commandPrefix(paged.person))
    }

    func serves(_ method: ContactMethod) -> Bool {
        method.platform.map(platforms.contains) ?? pagers.contains(method)
    }

    /// The chat platforms a direct message to `person` tries, in order (their contact order,
    /// chat only), among the platforms served. An incident run from the console keeps
    /// everything there.
    public func routes(_ person: PersonID, home: Platform) -> [Platform] {
        if home == .console { return [.console] }
        var order: [Platform]
        if let listed = roster.people[person] {
            order = listed.chatOrder
        } else if let platform = person.accountPlatform {
            order = [platform]
        } else {
            order = [home]
        }
        order = order.filter { platforms.contains($0) && account(person, on: $0) != nil }
        return order.isEmpty ? [home] : order
    }

    /// The methods a page tries, in order: the level's methods first (those the person has,
    /// in the person's order), then the rest of the person's contact list, then any chat
    /// account the list leaves out; only methods this process serves. A page fails over down
    /// this list. An incident run from the console keeps everything there.
    public func routes(_ page: Page, home: Platform) -> [ContactMethod] {
        if home == .console { return [.console] }
        let ranked = methods(for: page)
        return ranked.isEmpty ? [ContactMethod(home)] : ranked
    }

    /// The ladder levels whose pages nothing this process serves can carry to someone who may
    /// fill them (a rotation's every member is asked): a VP with only a phone while Twilio is
    /// off. Their pages would fail at the hour they are needed; `serve` says so as it starts.
    public func unreachable() -> [(level: LevelRef, person: PersonID)] {
        fillers().filter { methods(for: $0.page).isEmpty }.map { ($0.level, $0.page.person) }
    }

    /// The levels of the ladders in `asking` (those an acknowledgement stops) whose pages reach
    /// someone who cannot answer them: no chat account served here to type `/ack` in, and the
    /// method their page lands on first (the others are tried only when it fails) not among
    /// `answeredWhereTheyLand` (mail, texts and calls take an answer only through the bot's
    /// public address). With each, that method.
    public func unanswerable(answeredWhereTheyLand: Set<ContactMethod>, asking: Set<String>)
        -> [(level: LevelRef, person: PersonID, method: ContactMethod)] {
        fillers().compactMap { level, page in
            guard asking.contains(level.ladder), let first = methods(for: page).first, !typesCommands(page.person),
                  !answeredWhereTheyLand.contains(first) else { return nil }
            return (level, page.person, first)
        }
    }

    /// The levels of `ladders` (those whose pages ask for no answer: the business ladder, whose
    /// people follow the broadcast channel) filled by someone reachable here who has no chat
    /// account served: after their page nothing tells them how the incident goes.
    public func followingNoUpdates(on ladders: Set<String>) -> [(level: LevelRef, person: PersonID)] {
        fillers().filter { ladders.contains($0.level.ladder) && !typesCommands($0.page.person) && !methods(for: $0.page).isEmpty }
            .map { ($0.level, $0.page.person) }
    }

    /// Each ladder level with a page to each person who may fill it (a rotation's every member).
    func fillers() -> [(level: LevelRef, page: Page)] {
        roster.levels.sorted(by: { ($0.key.ladder, $0.key.level) < ($1.key.ladder, $1.key.level) }).flatMap { level, assignee in
            let people: [PersonID] = switch assignee {
            case .person(let person): [person]
            case .rotation(let name): roster.rotations[name]?.people ?? []
            }
            return people.map { person in (level, Page(person: person, ladder: level.ladder, level: level.level, role: "", message: Message(.text("")))) }
        }
    }

    /// `routes(_:home:)` for an incident off the console: empty when nothing served reaches
    /// the person. A level's own pager address (its PagerDuty service) comes before the
    /// person's list: it is what the team set up for that level. The level's methods go
    /// first: in the person's order when they gave one (`contact:`), else in the level's, so
    /// an engineering manager at a `phone` level is called before being texted (their
    /// default order has texts first, and a text accepted ended the page unrung); `prefer:`
    /// still picks which chat platform comes first.
    public func methods(for page: Page) -> [ContactMethod] {
        let level = roster.levelAddresses[LevelRef(ladder: page.ladder, level: page.level)] ?? [:]
        let own = ContactMethod.allCases.filter { level[$0] != nil && address(page.person, on: $0) == nil }
        let personal: [ContactMethod]
        if let listed = roster.people[page.person] {
            let chat = listed.chatOrder.map(ContactMethod.init).filter { !listed.contactOrder.contains($0) }
            personal = (listed.contactOrder + chat).filter { listed.addresses[$0] != nil }
        } else {
            personal = Platform.allCases.map(ContactMethod.init).filter { address(page.person, on: $0) != nil && $0 != .console }
        }
        let order = (own + personal).filter(serves)
        var first = order.filter(page.methods.contains)
        if roster.people[page.person]?.statesOrder != true {
            // Chat platforms share a rank, so the person's preferred one stays first (a stable sort).
            func rank(_ method: ContactMethod) -> Int {
                page.methods.firstIndex { $0 == method || ($0.platform != nil && method.platform != nil) } ?? page.methods.count
            }
            first = first.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        }
        return first + order.filter { !page.methods.contains($0) }
    }
}
