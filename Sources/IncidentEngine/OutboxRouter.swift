import IncidentCore

/// Turns a decision's effects into outbox items: which platform and lane each goes to. The
/// engine and delivery (which records a page no platform would take) share one.
public struct OutboxRouter: Sendable {
    let directory: Directory
    let broadcastRooms: [Platform: String]

    /// Platforms that mirror an incident's rooms besides its home (none unless `mirror` is on).
    let mirrors: [Platform]

    init(directory: Directory, broadcastRooms: [Platform: String], mirror: Bool) {
        self.directory = directory
        self.broadcastRooms = broadcastRooms
        mirrors = mirror ? directory.platforms.filter { $0 != .console }.sorted { $0.rawValue < $1.rawValue } : []
    }

    func items(for effects: [Effect], home: Platform, at now: Timestamp) -> [OutboxItem] {
        // The incident's rooms: its home, then its mirrors; an incident run from the console stays there.
        let rooms = home == .console ? [home] : [home] + mirrors.filter { $0 != home }
        return effects.flatMap { effect -> [OutboxItem] in
            func item(_ platform: Platform, _ lane: String) -> OutboxItem {
                item(ContactMethod(platform), lane)
            }
            func item(_ method: ContactMethod, _ lane: String) -> OutboxItem {
                OutboxItem(key: "\(effect.key)@\(method)", incident: effect.incident, method: method, lane: lane,
                           job: .effect(effect.action), at: now)
            }
            switch effect.action {
            case .createRoom, .setTopic, .post(_, to: .incidentRoom):
                return rooms.map { item($0, OutboxItem.roomLane($0, incident: effect.incident)) }
            case .invite:
                // Not behind the room's posts: a person paged was told they are invited, and a
                // backlog of notes (one post a second on Slack) held their invitation minutes.
                return rooms.map { item($0, OutboxItem.inviteLane($0, incident: effect.incident)) }
            case .post(_, to: .broadcast):
                return rooms.filter { broadcastRooms[$0] != nil }.map { item($0, OutboxItem.broadcastLane($0)) }
            case .directMessage(_, let person):
                let method = ContactMethod(directory.routes(person, home: home)[0])
                return [item(method, OutboxItem.directLane(method, person))]
            case .page(let page):
                let method = directory.routes(page, home: home)[0]
                return [item(method, OutboxItem.directLane(method, page.person))]
            case .settlePages(let settlement):
                // Only PagerDuty keeps an incident per page; one item per person, in their lane
                // behind the page it settles.
                guard home != .console, directory.pagers.contains(.pagerduty) else { return [] }
                return settlement.pages.filter { directory.address(for: $0, on: .pagerduty) != nil }.map { paged in
                    OutboxItem(key: "\(effect.key)/\(paged.person)/\(paged.ladder).\(paged.level)@pagerduty", incident: effect.incident,
                               method: .pagerduty, lane: OutboxItem.directLane(.pagerduty, paged.person),
                               job: .effect(.settlePages(PageSettlement(outcome: settlement.outcome, pages: [paged]))), at: now)
                }
            }
        }
    }

    /// The answer to a command as an outbox item, for platforms whose replies are messages.
    func reply(_ message: Message, to event: ChatEvent, incident: Int?, at now: Timestamp) -> OutboxItem {
        OutboxItem(key: "\(event.platform):\(event.id)/reply", incident: incident, method: ContactMethod(event.platform),
                   lane: OutboxItem.replyLane(event.platform, room: event.room),
                   job: .reply(room: event.room, user: event.user, message), at: now)
    }
}
