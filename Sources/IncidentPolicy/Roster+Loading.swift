import IncidentCore

extension Roster {
    static let rootKeys = ["people", "rotations", "levels", "admins"]
    static let personKeys = ["name", "slack", "matrix", "email", "phone", "pagerduty", "webhook", "contact", "prefer", "time_zone"]
    static let rotationKeys = ["people", "handover", "every"]

    /// Reads a roster from the text of `file` and checks it fills every level of `policy`.
    public static func load(yaml text: String, file: String, policy: Policy) throws(ConfigError) -> Roster {
        let root = try ConfigNode.parse(text, file: file).mapping(keys: rootKeys)
        var roster = Roster()
        let peopleNode = try root.required("people")
        // Keys and accounts seen so far, looked up in place: a search of everyone before each
        // person took 6.6 s for 20,000 people, and 50,000 ran out the reading's time limit.
        var keysFolded: [String: PersonID] = [:]
        var owners: [ContactMethod: [String: PersonID]] = [:]
        for (key, node) in try peopleNode.mapping().entries {
            guard Policy.isIdentifier(key) else {
                throw node.error("a person's key is one word of letters, digits, - or _, like alice")
            }
            // `@ALICE` finds a person whatever the case: two keys that differ only in case
            // would make it either of them.
            if let other = keysFolded[key.lowercased()] {
                throw node.error("\(key) differs from \(other) only in case; a mention could mean either, so give one of them another key")
            }
            let person = try loadPerson(PersonID(key), node)
            // One account is one person: a second would make the bot unsure whom a command (or
            // an SMS reply) is from.
            let map = try node.mapping(keys: personKeys)
            for (key, method) in [("slack", ContactMethod.slack), ("matrix", .matrix), ("phone", .sms)] {
                guard let account = person.addresses[method] else { continue }
                if let other = owners[method]?[account] {
                    throw try map.required(key).error("\(key) \(account) is already \(other)'s; each account belongs to one person")
                }
                owners[method, default: [:]][account] = person.id
            }
            keysFolded[key.lowercased()] = person.id
            roster.people[PersonID(key)] = person
        }
        guard !roster.people.isEmpty else { throw peopleNode.error("list at least one person") }

        for (name, node) in try root.optional("rotations")?.mapping().entries ?? [] {
            let map = try node.mapping(keys: rotationKeys)
            let members = try map.required("people").list()
            guard !members.isEmpty else { throw try map.required("people").error("a rotation needs at least one person") }
            var people: [PersonID] = []
            for member in members { people.append(try roster.known(member)) }
            let every = try map.optional("every")?.duration(atLeast: Roster.Rotation.shortestTurn) ?? .days(7)
            roster.rotations[name] = Rotation(people: people, handover: try map.required("handover").timestamp(), every: every,
                                              zone: policy.timeZone)
        }

        for item in try root.optional("admins")?.list() ?? [] {
            roster.admins.insert(try roster.known(item))
        }

        let levelsNode = try root.required("levels")
        let ladders = try levelsNode.mapping(keys: policy.ladders.map(\.id))
        for ladder in policy.ladders {
            guard let ladderNode = ladders.optional(ladder.id) else {
                throw levelsNode.error("no one fills the \(ladder.id) ladder; add \(ladder.id): with its levels")
            }
            let assignments = try ladderNode.mapping(keys: ladder.levels.map(\.id))
            for level in ladder.levels {
                guard let node = assignments.optional(level.id) else {
                    throw ladderNode.error("no one fills \(ladder.id) \(level.id) (\(level.role)); name a person or a rotation")
                }
                let ref = LevelRef(ladder: ladder.id, level: level.id)
                roster.levels[ref] = try roster.assignee(node)
                if case .mapping = node.node { roster.levelAddresses[ref] = try levelAddresses(node.mapping(keys: levelKeys)) }
            }
        }
        return roster
    }

    static func loadPerson(_ id: PersonID, _ node: ConfigNode) throws(ConfigError) -> Person {
        let map = try node.mapping(keys: personKeys)
        var addresses: [ContactMethod: String] = [:]
        for (key, rule) in ContactAddressRule.all {
            guard let field = map.optional(key) else { continue }
            let text = try field.string()
            guard rule.accepts(text) else { throw field.error(rule.refusal(text)) }
            for method in rule.methods { addresses[method] = text }
        }
        guard !addresses.isEmpty else {
            throw node.error("\(id) has no contact; give at least one of slack, matrix, email, phone, pagerduty, webhook")
        }
        let order = try contactOrder(map, addresses: addresses, person: id)
        var zone: LocalZone?
        if let zoneNode = map.optional("time_zone") {
            let name = try zoneNode.string()
            guard let known = LocalZone(identifier: name) else {
                throw zoneNode.error(LocalZone.refusal(of: name) ?? "unknown time zone")
            }
            zone = known
        }
        return Person(id: id, name: try map.optional("name")?.string() ?? id.rawValue, addresses: addresses,
                      contactOrder: order, statesOrder: map.optional("contact") != nil, zone: zone)
    }

    /// The person's `contact:` list, or their `prefer:`red chat platform first, or nil for
    /// the default order.
    static func contactOrder(_ map: ConfigMapping, addresses: [ContactMethod: String], person id: PersonID)
        throws(ConfigError) -> [ContactMethod]? {
        if let listNode = map.optional("contact") {
            if let prefer = map.optional("prefer") {
                throw prefer.error("give either contact: (every method in order) or prefer:, not both")
            }
            var order: [ContactMethod] = []
            for item in try listNode.list() {
                let name = try item.string()
                guard let method = ContactMethod(rawValue: name), method != .console else {
                    throw item.error("a contact method is one of slack, matrix, email, sms, voice, pagerduty, webhook, not “\(name)”")
                }
                guard addresses[method] != nil else {
                    throw item.error("\(id) lists \(name) but has no \(ContactAddressRule.key(for: method)) to reach it")
                }
                guard !order.contains(method) else { throw item.error("\(name) is listed twice") }
                order.append(method)
            }
            guard !order.isEmpty else { throw listNode.error("list at least one contact method, or leave contact: out") }
            return order
        }
        guard let preferNode = map.optional("prefer") else { return nil }
        let text = try preferNode.string()
        guard let platform = Platform(rawValue: text), platform != .console else {
            throw preferNode.error("prefer is slack or matrix, not “\(text)”")
        }
        guard addresses[ContactMethod(platform)] != nil else {
            throw preferNode.error("\(id) prefers \(text) but has no \(text) id")
        }
        let rest = ContactMethod.allCases.filter { addresses[$0] != nil && $0 != ContactMethod(platform) }
        return [ContactMethod(platform)] + rest
    }

    func known(_ node: ConfigNode) throws(ConfigError) -> PersonID {
        let key = try node.string()
        guard people[PersonID(key)] != nil else {
            throw node.error("“\(key)” is not in people; add them there first")
        }
        return PersonID(key)
    }

    /// A level's keys when written as a mapping: who fills it, and its own pager addresses.
    static let levelKeys = ["rotation", "person", "pagerduty", "webhook"]

    /// `bob`, `{ rotation: primary-oncall }` or `{ person: bob }`, the mapping forms with the
    /// level's own `pagerduty:` or `webhook:` address.
    func assignee(_ node: ConfigNode) throws(ConfigError) -> Assignee {
        guard case .mapping = node.node else { return .person(try known(node)) }
        let map = try node.mapping(keys: Self.levelKeys)
        switch (map.optional("rotation"), map.optional("person")) {
        case (let rotation?, nil):
            let name = try rotation.string()
            guard rotations[name] != nil else {
                throw rotation.error("no rotation “\(name)”; define it under rotations")
            }
            return .rotation(name)
        case (nil, let person?):
            return .person(try known(person))
        default:
            throw node.error("name who fills the level: rotation: or person:, one of them")
        }
    }

    static func levelAddresses(_ map: ConfigMapping) throws(ConfigError) -> [ContactMethod: String] {
        var addresses: [ContactMethod: String] = [:]
        for (key, rule) in ContactAddressRule.all where key == "pagerduty" || key == "webhook" {
            guard let field = map.optional(key) else { continue }
            let text = try field.string()
            guard rule.accepts(text) else { throw field.error(rule.refusal(text)) }
            for method in rule.methods { addresses[method] = text }
        }
        return addresses
    }
}
