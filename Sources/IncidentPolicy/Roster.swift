import IncidentCore

/// Who the people are, how to reach them, and who fills each ladder level (behaviour.md section 5).
///
/// Unlike the policy, the roster is read live: a page goes to whoever is on duty when it is sent.
public struct Roster: Hashable, Sendable {
    public var people: [PersonID: Person]
    public var rotations: [String: Rotation]
    public var levels: [LevelRef: Assignee]
    /// A level's own addresses for pager methods (the PagerDuty routing key of the on-call
    /// service, the team's webhook id), used for whoever fills the level when they have none.
    public var levelAddresses: [LevelRef: [ContactMethod: String]]
    /// Incident admins: may change any incident, like its IC.
    public var admins: Set<PersonID>

    public init(people: [PersonID: Person] = [:], rotations: [String: Rotation] = [:],
                levels: [LevelRef: Assignee] = [:], levelAddresses: [LevelRef: [ContactMethod: String]] = [:],
                admins: Set<PersonID> = []) {
        self.people = people
        self.rotations = rotations
        self.levels = levels
        self.levelAddresses = levelAddresses
        self.admins = admins
    }

    public struct Person: Hashable, Sendable {
        public var id: PersonID
        public var name: String
        /// Where the person is reached, by method: their Slack and Matrix accounts, mail
        /// address, phone number (for both `sms` and `voice`), the environment variable with
        /// their PagerDuty routing key, their id at the team's webhook.
        public var addresses: [ContactMethod: String]
        /// The methods a page tries, in order (the roster's `contact:`); each has an address.
        public var contactOrder: [ContactMethod]
        /// Whether the person put their methods in order (`contact:`): then a level's methods
        /// go in that order, else in the level's (`phone`: a call, then a text).
        public var statesOrder: Bool
        /// Where the person works, for working hours; nil: the policy's zone.
        public var zone: LocalZone?

        /// `contactOrder` nil: chat first (Slack, then Matrix), then the pager methods the
        /// person has an address for, in `ContactMethod.allCases` order. `statesOrder` nil:
        /// whether a `contactOrder` is given.
        public init(id: PersonID, name: String, addresses: [ContactMethod: String], contactOrder: [ContactMethod]? = nil,
                    statesOrder: Bool? = nil, zone: LocalZone? = nil) {
            self.id = id
            self.name = name
            self.addresses = addresses
            self.contactOrder = contactOrder ?? ContactMethod.allCases.filter { addresses[$0] != nil }
            self.statesOrder = statesOrder ?? (contactOrder != nil)
            self.zone = zone
        }

        public var slack: String? { addresses[.slack] }
        public var matrix: String? { addresses[.matrix] }

        /// Whether they have an account on one of `platforms`, where they can type the bot's
        /// commands and get its direct messages (on the console everyone does).
        public func typesCommands(on platforms: Set<Platform>) -> Bool {
            platforms.contains { $0 == .console || addresses[ContactMethod($0)] != nil }
        }

        /// The chat platforms a direct message tries, in order: those in `contactOrder`, then
        /// any other the person has an account on (an account kept only to type commands).
        public var chatOrder: [Platform] {
            let listed = contactOrder.compactMap(\.platform)
            return listed + [Platform.slack, .matrix].filter { addresses[ContactMethod($0)] != nil && !listed.contains($0) }
        }
    }

    /// People taking turns a week (or `every`) at a time, from `handover` on. Turns change at
    /// the handover's wall-clock time in `zone` (the policy's), so a daylight-saving change
    /// does not move the Monday 09:00 handover to 08:00 or 10:00.
    public struct Rotation: Hashable, Sendable {
        public var people: [PersonID]
        public var handover: Timestamp
        public var every: Duration
        public var zone: LocalZone

        /// The shortest turn a roster may give: each handover moves an unanswered page to the
        /// incoming person, so `every: 1m` (a minute, where a month was meant) paged the pair
        /// in turn all night. The shortest shifts teams keep are hours long.
        public static let shortestTurn: (least: Duration, why: String) =
            (.hours(1), ": each handover pages the incoming person (m is minutes: write 4w or 30d for a month)")

        public init(people: [PersonID], handover: Timestamp, every: Duration = .days(7), zone: LocalZone = .utc) {
            self.people = people
            self.handover = handover
            self.every = every
            self.zone = zone
        }

        /// Whose turn it is at `instant`; nil for a rotation with nobody in it or no turn length
        /// (the loader refuses both).
        public func onDuty(at instant: Timestamp) -> PersonID? {
            guard !people.isEmpty, every.wholeSeconds > 0 else { return nil }
            let count = Int64(people.count)
            let turn = turn(at: instant)
            return people[Int((turn % count + count) % count)]
        }

        /// The first turn boundary after `instant` at which someone other than `person` is on
        /// duty; nil when nobody else ever is (a rotation of one).
        public func nextHandover(after instant: Timestamp, from person: PersonID) -> Timestamp? {
            guard people.contains(where: { $0 != person }), every.wholeSeconds > 0 else { return nil }
            var turn = turn(at: instant)
            for _ in 0..<people.count {
                turn += 1
                let boundary = start(ofTurn: turn)
                if boundary > instant, onDuty(at: boundary) != person { return boundary }
            }
            return nil
        }

        /// The turn under way at `instant`: the last one started by then. Counted on the
        /// zone's wall clock, then checked against the turns' own starts: on the fall-back
        /// night the wall clock reads an hour back, and a turn that began at the first 01:30
        /// must not give way to the one before it until the second.
        func turn(at instant: Timestamp) -> Int64 {
            var turn = (wallClock(instant) - wallClock(handover)).floorDivided(by: every.wholeSeconds)
            // The wall clock is off by at most a daylight-saving shift (an hour or two): as many
            // turns as fit in that, for a short `every`.
            let steps = 2 + Int(7_200 / max(every.wholeSeconds, 1))
            for _ in 0..<steps where start(ofTurn: turn + 1) <= instant { turn += 1 }
            for _ in 0..<steps where start(ofTurn: turn) > instant { turn -= 1 }
            return turn
        }

        /// When turn `turn` starts: the handover's wall-clock reading that many turns on, in
        /// the zone (a reading a daylight-saving change skips starts the gap's length later).
        func start(ofTurn turn: Int64) -> Timestamp {
            let wall = wallClock(handover) + turn * every.wholeSeconds
            return zone.instant(of: CivilTime(Timestamp(secondsSinceEpoch: wall)))
        }

        /// Seconds since the epoch as the zone's wall clock reads them at `instant`.
        func wallClock(_ instant: Timestamp) -> Int64 { instant.secondsSinceEpoch + Int64(zone.offsetSeconds(at: instant)) }
    }

    public enum Assignee: Hashable, Sendable {
        case person(PersonID)
        case rotation(String)
    }

    /// On the roster or an incident admin: the people the bot trusts by name.
    public func lists(_ person: PersonID) -> Bool {
        people[person] != nil || admins.contains(person)
    }

    /// The rotation that fills `level`, if one does.
    public func rotation(filling level: LevelRef) -> Rotation? {
        if case .rotation(let name)? = levels[level] { return rotations[name] }
        return nil
    }

    /// Who answers for `level` at `instant`.
    public func onDuty(_ level: LevelRef, at instant: Timestamp) -> PersonID? {
        switch levels[level] {
        case .person(let id): id
        case .rotation(let name): rotations[name]?.onDuty(at: instant)
        case nil: nil
        }
    }

    /// Who a mention means: the roster person it names, or an unlisted platform account.
    /// nil for a plain `@handle` the roster does not know (likely a typo).
    public func resolve(_ ref: PersonRef) -> PersonID? {
        switch ref {
        case .slack(let id, _): identify(.slack, accountID: id)
        case .matrix(let id): identify(.matrix, accountID: id)
        case .handle(let handle):
            people[PersonID(handle)] != nil ? PersonID(handle)
                : people.values.first { $0.id.rawValue.lowercased() == handle.lowercased() }?.id
        }
    }

    /// The person behind a platform account: the roster key when listed, else `slack:U0123`.
    public func identify(_ platform: Platform, accountID: String) -> PersonID {
        let match = people.values.first { person in
            platform == .console ? person.id.rawValue == accountID : person.addresses[ContactMethod(platform)] == accountID
        }
        return match?.id ?? .unlisted(platform, accountID)
    }

    /// The roster person with `address` for `method` (the phone number an SMS came from).
    public func person(at address: String, by method: ContactMethod) -> PersonID? {
        people.values.first { $0.addresses[method] == address }?.id
    }

    /// How to show a person in plain text: `@alice`.
    public func handle(_ id: PersonID) -> String { id.handle }
}
