import Foundation
import IncidentCommands
import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// The shipped policy and example roster, read from the repository's config/.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func policy() throws -> Policy { try Policy.load(yaml: text("policy.yaml"), file: "policy.yaml") }

    static func roster() throws -> Roster {
        try Roster.load(yaml: text("roster.example.yaml"), file: "roster.example.yaml", policy: policy())
    }

    /// Tuesday 2026-11-24 10:00 UTC: minute 0 of every drill, in the shipped policy's working
    /// hours (Monday to Friday 09:00–17:00 UTC) until minute 420.
    static let start = Timestamp(iso8601: "2026-11-24T10:00:00Z")!

    static func at(_ minute: Int) -> Timestamp { start + .minutes(minute) }

    /// Someone outside the roster who declares incidents.
    static let reporter = PersonID.unlisted(.slack, "U0REPORTER")

    /// A responder on the roster but not on the P1 ladders' first hour: may steer an incident
    /// before an IC is named.
    static let responder: PersonID = "carol"
}

/// An incident run minute by minute: commands at their minute, then the scheduler's tick.
struct Drill {
    private(set) var incident: Incident
    private(set) var timeline: [TimelineEntry] = []
    private(set) var effects: [(minute: Int, effect: Effect)] = []
    private(set) var minute = 0
    /// The roster in force: a restart with an edited one replaces it (`restart(with:)`).
    private(set) var roster: Roster
    /// Minute 0: when the incident is declared.
    let origin: Timestamp

    init(_ text: String, by declarer: PersonID = Fixtures.reporter, policy: Policy? = nil, roster: Roster? = nil,
         at origin: Timestamp = Fixtures.start) throws {
        let roster = try roster ?? Fixtures.roster()
        guard case .declare(let declaration) = try CommandParser.parse(text).get().command else {
            throw DrillError(description: "not a declaration: \(text)")
        }
        let decision = try Incident.declare(declaration, number: 1, by: declarer, at: origin,
                                            policy: policy ?? Fixtures.policy(), roster: roster, takenRooms: [])
        self.roster = roster
        self.origin = origin
        self.incident = decision.incident
        absorb(decision)
    }

    struct DrillError: Error, CustomStringConvertible { var description: String }

    mutating func absorb(_ decision: Decision) {
        incident = decision.incident
        timeline += decision.timeline
        effects += decision.effects.map { (minute, $0) }
    }

    /// Runs to `end`, typing each scripted command at its minute before that minute's tick.
    mutating func run(to end: Int, script: [Int: [(PersonID, String)]] = [:]) throws {
        while minute < end {
            minute += 1
            for (actor, text) in script[minute] ?? [] { try type(text, by: actor) }
            absorb(incident.tick(at: origin + .minutes(minute), roster: roster))
        }
    }

    /// The bot restarted with an edited roster: the incident keeps what it stored, and its
    /// unanswered pages move to whom the roster names now, as the bot's scheduler starts.
    mutating func restart(with roster: Roster) {
        self.roster = roster
        if let moved = incident.handOverToTheRoster(at: origin + .minutes(minute), roster: roster) { absorb(moved) }
    }

    /// Down from now until `end`, then restarted with `roster`: the start-up pass, then the
    /// scheduler's first round, which catches up.
    mutating func restart(with roster: Roster, downUntil end: Int) {
        minute = end
        restart(with: roster)
        absorb(incident.tick(at: origin + .minutes(minute), roster: roster))
    }

    /// Jumps to `end` with one tick, as a scheduler that was down from now until then.
    mutating func jump(to end: Int) {
        minute = end
        absorb(incident.tick(at: origin + .minutes(minute), roster: roster))
    }

    /// Types a command now (`seconds` into the drill's minute), in the incident's room unless
    /// `venue` says otherwise.
    @discardableResult
    mutating func type(_ text: String, by actor: PersonID, in venue: Venue = .incidentRoom,
                       community: Community = .everyone, seconds: Int = 0) throws -> Decision {
        let parsed = try CommandParser.parse(text).get()
        let decision = try incident.handling(parsed.command, by: actor, in: venue, at: origin + .minutes(minute) + .seconds(seconds),
                                             roster: roster, community: community)
        absorb(decision)
        return decision
    }

    /// Delivery records, now, that the latest page the drill made to `person` at `level`
    /// (`ladder.level`) reached them by `method`.
    mutating func land(_ person: PersonID, _ level: String, by method: ContactMethod = .sms) throws {
        guard let (made, page) = effects.reversed().lazy.compactMap({ minute, effect -> (Int, Page)? in
            guard case .page(let page) = effect.action, page.person == person, "\(page.ladder).\(page.level)" == level else { return nil }
            return (minute, page)
        }).first else { throw DrillError(description: "no page to \(person) at \(level)") }
        absorb(incident.pageDelivered(page, by: method, at: origin + .minutes(minute), roster: roster, madeAt: origin + .minutes(made)))
    }

    /// Pages sent, as `minute ladder.level person`, sorted within each minute.
    var pages: [String] {
        effects.compactMap { minute, effect -> (Int, String)? in
            guard case .page(let page) = effect.action else { return nil }
            return (minute, "\(minute) \(page.ladder).\(page.level) \(page.person)")
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.1)
    }

    /// Minutes at which a nudge was posted.
    var nudges: [Int] {
        effects.compactMap { minute, effect in
            guard case .post(let message, .incidentRoom) = effect.action, message.kind == .nudge else { return nil }
            return minute
        }
    }

    /// Every post to `target`, as plain text.
    func posts(to target: RoomTarget) -> [String] {
        effects.compactMap { _, effect in
            guard case .post(let message, let where_) = effect.action, where_ == target else { return nil }
            return message.plainText()
        }
    }
}
