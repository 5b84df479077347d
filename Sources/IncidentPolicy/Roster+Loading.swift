import IncidentCore

extension Roster {
    static let rootKeys = ["people", "rotations", "levels", "admins"]
    static let personKeys = ["name", "slack", "matrix", "prefer", "time_zone"]
    static let rotationKeys = ["people", "handover", "every"]

    /// Reads a roster from the text of `file` and checks it fills every level of `policy`.
    public static func load(yaml text: String, file: String, policy: Policy) throws(ConfigError) -> Roster {
        let root = try ConfigNode.parse(text, file: file).mapping(keys: rootKeys)
        var roster = Roster()
        let peopleNode = try root.required("people")
        for (key, node) in try peopleNode.mapping().entries {
            guard Policy.isIdentifier(key) else {
                throw node.error("a person's key is one word of letters, digits, - or _, like alice")
            }
            let person = try loadPerson(PersonID(key), node)
            // One account is one person: a second would make the bot unsure whom a command is from.
            let map = try node.mapping(keys: personKeys)
            for (platform, account) in [("slack", person.slack), ("matrix", person.matrix)] {
                guard let account, let other = roster.people.values.first(where: {
                    (platform == "slack" ? $0.slack : $0.matrix) == account
                }) else { continue }
                throw try map.required(platform).error("\(platform) account \(account) is already \(other.id)'s; each account belongs to one person")
            }
            roster.people[PersonID(key)] = person
        }
        guard !roster.people.isEmpty else { throw peopleNode.error("list at least one person") }

        for (name, node) in try root.optional("rotations")?.mapping().entries ?? [] {
            let map = try node.mapping(keys: rotationKeys)
            let members = try map.required("people").list()
            guard !members.isEmpty else { throw try map.required("people").error("a rotation needs at least one person") }
            var people: [PersonID] = []
            for member in members { people.append(try roster.known(member)) }
            let every = try map.optional("every")?.duration() ?? .days(7)
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
                roster.levels[LevelRef(ladder: ladder.id, level: level.id)] = try roster.assignee(node)
            }
        }
        return roster
    }

    static func loadPerson(_ id: PersonID, _ node: ConfigNode) throws(ConfigError) -> Person {
        let map = try node.mapping(keys: personKeys)
        let slack = try map.optional("slack")?.string()
        let matrix = try map.optional("matrix")?.string()
        if let slack, !slack.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
            throw try map.required("slack").error("a Slack user id looks like U0123ABCD, not “\(slack)”")
        }
        if let matrix, !(matrix.hasPrefix("@") && matrix.contains(":")) {
            throw try map.required("matrix").error("a Matrix user id looks like @alice:example.org, not “\(matrix)”")
        }
        guard slack != nil || matrix != nil else {
            throw node.error("\(id) has no contact; give a slack id, a matrix id or both")
        }
        let preferred: Platform
        if let preferNode = map.optional("prefer") {
            let text = try preferNode.string()
            guard let platform = Platform(rawValue: text), platform != .console else {
                throw preferNode.error("prefer is slack or matrix, not “\(text)”")
            }
            guard (platform == .slack ? slack : matrix) != nil else {
                throw preferNode.error("\(id) prefers \(text) but has no \(text) id")
            }
            preferred = platform
        } else {
            preferred = slack != nil ? .slack : .matrix
        }
        var zone: LocalZone?
        if let zoneNode = map.optional("time_zone") {
            let name = try zoneNode.string()
            guard let known = LocalZone(identifier: name) else {
                throw zoneNode.error("unknown time zone “\(name)”; use a name like UTC or America/New_York")
            }
            zone = known
        }
        return Person(id: id, name: try map.optional("name")?.string() ?? id.rawValue,
                      slack: slack, matrix: matrix, preferred: preferred, zone: zone)
    }

    func known(_ node: ConfigNode) throws(ConfigError) -> PersonID {
        let key = try node.string()
        guard people[PersonID(key)] != nil else {
            throw node.error("“\(key)” is not in people; add them there first")
        }
        return PersonID(key)
    }

    func assignee(_ node: ConfigNode) throws(ConfigError) -> Assignee {
        if case .mapping = node.node {
            let rotation = try node.mapping(keys: ["rotation"]).required("rotation")
            let name = try rotation.string()
            guard rotations[name] != nil else {
                throw rotation.error("no rotation “\(name)”; define it under rotations")
            }
            return .rotation(name)
        }
        return .person(try known(node))
    }
}
