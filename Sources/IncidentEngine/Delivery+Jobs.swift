import IncidentCore
import IncidentRules

/// An outbox item made into a transport's job: room ids looked up, each person given their
/// address for the item's method.
extension Delivery {
    /// The outbox item as a job for its method: room ids looked up, people given addresses.
    func resolve(_ item: OutboxItem) async throws -> TransportJob {
        var job = try await resolveAction(item)
        // A room made under another name is named by it: on its platform, and off chat (a
        // mail, a text) by the first platform, in their order, that made one so.
        // One platform's names are taken as they are kept, not copied for each item: every
        // room ever renamed (thousands, with a stub that named them all otherwise) was copied
        // for each send.
        var renamed: [String: String] = [:]
        if let platform = item.method.platform {
            renamed = try await renamedRooms(on: platform)
        } else {
            for platform in Platform.allCases.filter(directory.platforms.contains) {
                renamed.merge(try await renamedRooms(on: platform)) { first, _ in first }
            }
        }
        if !renamed.isEmpty { job.action = job.action.renamingRooms(renamed) }
        if let platform = item.method.platform, transports[item.method]?.linksRooms == true {
            job.roomLinks = try await roomLinks(for: job.action, on: platform, renamed: renamed)
        }
        job.incident = item.incident
        job.queuedAt = item.createdAt
        let id = item.id ?? 0
        job.doubt = if item.attempts > 0 || memory.sentUnrecorded.withLock({ $0[id] != nil }) {
            .earlierAttempt
        } else if doubtedAtStart.withLock({ $0?.contains(id) ?? true }) {
            .earlierDelivery(run: run)
        } else {
            .none
        }
        // Queued after this delivery started, an item cannot be one the earlier delivery sent.
        if case .earlierDelivery = job.doubt, queuedBeforeStart(item) {
            let left = startedAt + Self.landingWindow - clock.now
            job.earlierSendMayLandWithin = left > .zero ? left : nil
        }
        if case .createRoom = job.action, job.maybeSent, let platform = item.method.platform {
            job.boundRooms = try await store.read { try $0.boundRooms(platform) }
        }
        // A page off chat links the incident's rooms, so the person can open them from a mail
        // or text; it and a settlement name the incident by its declaration too.
        if item.method.platform == nil, item.isPage || item.isSettlement, let incident = item.incident {
            let platforms = item.isPage ? directory.platforms : []
            (job.incidentRooms, job.incidentDeclaredAt) = try await store.read { records in
                var rooms: [Platform: String] = [:]
                for platform in platforms { rooms[platform] = try records.roomID(platform, incident: incident) }
                return (rooms, try records.readableIncident(incident)?.incident.declaredAt)
            }
        }
        return job
    }

    /// The room creation to send for `item`, queued as `queued`: made private if its incident
    /// turned private before its room was made (`Incident.roomCreation`). Read for the whole
    /// round beforehand (`checkRoomCreations`), else here.
    func roomCreation(_ item: OutboxItem, queued: Effect.Action) async throws -> Effect.Action {
        guard case .createRoom(_, _, _, let queuedPrivate) = queued, queuedPrivate != true, let number = item.incident else { return queued }
        if let id = item.id, let checked = checkedRoomCreations.withLock({ $0.removeValue(forKey: id) }) { return checked }
        return try await store.read { records in
            guard let incident = try records.readableIncident(number)?.incident else { return queued }
            return try Self.creation(queued, of: incident, records: records, alsoTaken: [])
        }
    }

    /// The creation `incident` needs for `queued` (`Incident.roomCreation`), read on `records`:
    /// a private name avoids the names its day's rooms hold, and `alsoTaken` (names given to
    /// creations of the same round, not recorded yet).
    static func creation(_ queued: Effect.Action, of incident: Incident, records: any IncidentRecords,
                         alsoTaken: Set<String>) throws -> Effect.Action {
        guard incident.isPrivate else { return queued }
        return incident.roomCreation(queued, taken: try records.roomNames(incident.privateRoomNames).union(alsoTaken))
    }

    /// Reads, in one transaction, the incidents of the room creations among `items` queued
    /// public, so a round of many declarations reads once, not once a room; the ids checked.
    func checkRoomCreations(_ items: [OutboxItem]) async -> [Int64] {
        let queued = items.compactMap { item -> (id: Int64, incident: Int, action: Effect.Action)? in
            guard case .effect(let action) = item.job, case .createRoom(_, _, _, let isPrivate) = action, isPrivate != true,
                  let id = item.id, let incident = item.incident else { return nil }
            return (id, incident, action)
        }
        guard !queued.isEmpty else { return [] }
        // A failed read checks nothing: each creation then reads for itself, and fails there.
        guard let checked = try? await store.read({ records in
            var named: Set<String> = []
            return try queued.map { creation -> (Int64, Effect.Action) in
                guard let incident = try records.readableIncident(creation.incident)?.incident else { return (creation.id, creation.action) }
                let action = try Self.creation(creation.action, of: incident, records: records, alsoTaken: named)
                if case .createRoom(let name, _, _, _) = action { named.insert(name) }
                return (creation.id, action)
            }
        }) else { return [] }
        checkedRoomCreations.withLock { kept in for (id, action) in checked { kept[id] = action } }
        return checked.map(\.0)
    }

    /// The rooms on `platform` made under another name than their incident's, read once.
    func renamedRooms(on platform: Platform) async throws -> [String: String] {
        if let known = renamedRooms.withLock({ $0[platform] }) { return known }
        let read = try await store.read { try $0.renamedRooms(platform) }
        renamedRooms.withLock { $0[platform] = $0[platform] ?? read }
        return read
    }

    /// Whether the item with `id` may have gone out without its record: sent by this delivery
    /// whose record then failed, or among what an earlier delivery may have left so.
    func mayHaveGoneOutUnrecorded(_ id: Int64) -> Bool {
        memory.sentUnrecorded.withLock { $0[id] != nil } || doubtedAtStart.withLock { $0?.contains(id) ?? true }
    }

    /// What an earlier delivery may have sent without recording, as this one first reads the
    /// outbox: each lane's first `unrecordedPerLane` items among `heads` (items queued later, by
    /// this delivery's time, no earlier one can have sent), and on a database restored from a
    /// backup every item the backup held (`Records.newestOutboxIDAtBackup`): the lost
    /// database may have delivered any of them after the copy.
    func doubt(_ heads: [OutboxItem], backupEnd: Int64?) {
        var taken: [String: Int] = [:]
        var ids: Set<Int64> = []
        for item in heads.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
            guard let id = item.id, taken[item.lane, default: 0] < unrecordedPerLane(item.method) else { continue }
            taken[item.lane, default: 0] += 1
            ids.insert(id)
        }
        let doubted = DoubtedAtStart(firstOfEachLane: ids, throughBackup: backupEnd)
        guard doubtedAtStart.withLock({ set in
            defer { set = set ?? doubted }
            return set == nil
        }) else { return }
        if let backupEnd, let oldest = heads.compactMap(\.id).min(), oldest <= backupEnd {
            logger.notice("this database is a backup's copy: what it still held to send is looked for on each platform before it goes again",
                          metadata: ["outbox.through": "\(backupEnd)"])
        }
    }

    func resolveAction(_ item: OutboxItem) async throws -> TransportJob {
        let method = item.method
        func contacts(_ people: [PersonID], _ messages: Message...) -> [PersonID: Contact] {
            let everyone = people + messages.flatMap(\.mentions)
            return Dictionary(everyone.map { ($0, directory.contact($0, on: method)) }, uniquingKeysWith: { first, _ in first })
        }
        func room() async throws -> String {
            guard let platform = method.platform, let incident = item.incident else {
                throw TransportError.rejected("the incident has no room on \(method)")
            }
            let bound = BoundRoom(platform: platform, incident: incident)
            if let known = roomIDs.withLock({ $0[bound] }) { return known }
            guard let id = try await store.read({ try $0.roomID(platform, incident: incident) }) else {
                throw TransportError.rejected("the incident has no room on \(method)")
            }
            roomIDs.withLock { $0[bound] = id }
            return id
        }
        switch item.job {
        case .reply(let roomID, let user, let message):
            return TransportJob(key: item.key, action: .reply(room: roomID, user: user, message), people: contacts([], message))
        case .effect(let action):
            switch action {
            case .createRoom:
                let creation = try await roomCreation(item, queued: action)
                guard case .createRoom(let name, let topic, let invite, let isPrivate) = creation else { preconditionFailure("a room creation") }
                var job = TransportJob(key: item.key, action: .createRoom(name: name, topic: topic, invite: invite, isPrivate: isPrivate ?? false),
                                       people: contacts(invite, topic))
                if case .createRoom(let queuedName, _, _, let queuedPrivate) = action, queuedPrivate != true, isPrivate == true {
                    job.publicNameBefore = queuedName
                    let day = RoomName.dayPrefix(of: queuedName)
                    job.othersRoomNames = try await store.read { try $0.roomNames(.prefix(day)) }.subtracting([queuedName])
                }
                return job
            case .invite(let people):
                return TransportJob(key: item.key, action: .invite(room: try await room(), people), people: contacts(people))
            case .setTopic(let topic):
                return TransportJob(key: item.key, action: .setTopic(room: try await room(), topic), people: contacts([], topic))
            case .post(let message, .incidentRoom):
                return TransportJob(key: item.key, action: .post(room: try await room(), message), people: contacts([], message))
            case .post(let message, .broadcast):
                guard let platform = method.platform, let roomID = broadcastRooms[platform] else {
                    throw TransportError.rejected("no broadcast room on \(method)")
                }
                return TransportJob(key: item.key, action: .post(room: roomID, message), people: contacts([], message))
            case .directMessage(let message, let person):
                return TransportJob(key: item.key, action: .directMessage(to: person, message), people: contacts([person], message))
            case .page(let page):
                var people = contacts([], page.message)
                people[page.person] = directory.contact(for: page.paged, on: method)
                return TransportJob(key: item.key, action: .directMessage(to: page.person, page.message), people: people, page: page)
            case .settlePages(let settlement):
                let people = Dictionary(settlement.pages.map { ($0.person, directory.contact(for: $0, on: method)) },
                                        uniquingKeysWith: { first, _ in first })
                return TransportJob(key: item.key, action: .settle(settlement), people: people)
            }
        }
    }
}

/// The items an earlier delivery may have sent without recording them.
struct DoubtedAtStart: Sendable {
    var firstOfEachLane: Set<Int64>
    /// Every item up to this id, on a database restored from a backup.
    var throughBackup: Int64?

    func contains(_ id: Int64) -> Bool {
        firstOfEachLane.contains(id) || throughBackup.map { id <= $0 } ?? false
    }
}
