import IncidentCore

/// Turns a decision's effects into outbox items: which platform and lane each goes to.
struct OutboxRouter: Sendable {
    let directory: Directory
    let broadcastRooms: [Platform: String]

    func items(for effects: [Effect], home: Platform, at now: Timestamp) -> [OutboxItem] {
        effects.compactMap { effect in
            let platform: Platform
            let lane: String
            switch effect.action {
            case .createRoom, .invite, .setTopic, .post(_, to: .incidentRoom):
                platform = home
                lane = OutboxItem.roomLane(home, incident: effect.incident)
            case .post(_, to: .broadcast):
                guard broadcastRooms[home] != nil else { return nil }
                platform = home
                lane = OutboxItem.broadcastLane(home)
            case .directMessage(_, let person):
                platform = directory.routes(person, home: home)[0]
                lane = OutboxItem.directLane(platform, person)
            case .page(let page):
                platform = directory.routes(page.person, home: home)[0]
                lane = OutboxItem.directLane(platform, page.person)
            }
            return OutboxItem(key: "\(effect.key)@\(platform)", incident: effect.incident, platform: platform, lane: lane,
                              job: .effect(effect.action), at: now)
        }
    }

    /// The answer to a command as an outbox item, for platforms whose replies are messages.
    func reply(_ message: Message, to event: ChatEvent, incident: Int?, at now: Timestamp) -> OutboxItem {
        OutboxItem(key: "\(event.platform):\(event.id)/reply", incident: incident, platform: event.platform,
                   lane: OutboxItem.replyLane(event.platform, room: event.room),
                   job: .reply(room: event.room, user: event.user, message), at: now)
    }
}
