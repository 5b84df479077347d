import IncidentCommands
import IncidentCore
import IncidentPolicy
import IncidentRules

/// Decides one parsed command inside the engine's transaction: finds the incident, asks the
/// rules, and writes the decision. A refusal writes nothing (the seen id aside).
struct Decider {
    let records: any IncidentRecords
    let settings: EngineSettings
    let router: OutboxRouter
    let event: ChatEvent
    let actor: PersonID
    let now: Timestamp
    /// The earliest next due time of the incidents this decision wrote (nil: none wrote one):
    /// the scheduler is woken only when it comes before the scheduler's own wake-up.
    private(set) var earliestDueWritten: Timestamp?

    /// Why the engine refuses before the rules are asked (no such incident).
    struct Refusal: Error {
        var message: BotText
    }

    mutating func decide(_ parsed: Result<ParsedCommand, CommandError>) throws -> EngineOutcome {
        let command: ParsedCommand
        switch parsed {
        case .success(let value): command = value
        case .failure(let error): return EngineOutcome(.refused, reply: .refusal(error.text))
        }
        do {
            return try decide(command)
        } catch let refusal as Refusal {
            return EngineOutcome(.refused, reply: .refusal(refusal.message))
        } catch let error as IncidentError {
            return EngineOutcome(.refused, reply: .refusal(error.message))
        } catch is UnreadableRow {
            // Thrown by a read, before this command wrote anything: the command is refused and
            // the rest of its batch goes on (a Matrix sync batch failed whole, again and again).
            return EngineOutcome(.refused, reply: .refusal(
                "That incident cannot be read by this version of incident-bot (a newer one wrote it, or it is damaged), so nothing was changed; tell the operator."))
        }
    }

    mutating func decide(_ parsed: ParsedCommand) throws -> EngineOutcome {
        switch parsed.command {
        case .declare(let declaration):
            let collisions = RoomName.collisions(title: declaration.roomTitle, declaredAt: now, zone: settings.policy.timeZone)
            let taken = try records.roomNames(collisions)
            // The repeat is looked for under the names a public incident of this title holds
            // (a private one is never matched), and just past midnight the day before's too.
            let titled = RoomName.collisions(title: declaration.publicRoomTitle, declaredAt: now, zone: settings.policy.timeZone)
            let yesterday = RoomName.collisions(title: declaration.publicRoomTitle, declaredAt: now - Incident.declaredAgainWindow,
                                                zone: settings.policy.timeZone)
            var repeatable = titled == collisions ? taken : try records.roomNames(titled)
            if yesterday != titled { repeatable.formUnion(try records.roomNames(yesterday)) }
            if let same = try declaredAgain(declaration, takenRooms: repeatable) {
                let decision = same.incident.declaredAgain(declaration, by: actor, at: now, roster: settings.roster,
                                                           community: settings.community(home: same.home))
                try commit(decision, home: same.home)
                return EngineOutcome(.handled, reply: decision.reply, incident: same.incident.number)
            }
            if !settings.roster.lists(actor),
               let refusal = DeclarationBudget.refusal(of: actor, recent: try records.incidents(declaredSince: now - DeclarationBudget.window).readable.map(\.incident),
                                                       roster: settings.roster, at: now) {
                throw Refusal(message: refusal)
            }
            let number = try records.nextIncidentNumber()
            let decision = try Incident.declare(declaration, number: number, by: actor, at: now, policy: settings.policy,
                                                roster: settings.roster, community: settings.community(home: event.platform), takenRooms: taken)
            try commit(decision, home: event.platform)
            return EngineOutcome(.handled, reply: decision.reply, incident: number)
        case .list:
            let here = try roomIncident()
            let open = try records.openIncidentsCounted()
            return EngineOutcome(.answered, reply: IncidentQueries.list(open.readable.map(\.incident), unreadable: open.unreadable) {
                mayShow($0, here: here)
            })
        case .help(let topic):
            return EngineOutcome(.answered, reply: CommandHelp.message(topic: topic))
        case .actionList(let filter):
            return try listActions(filter, target: parsed.target)
        case .pin(let change):
            return try pin(change)
        default:
            break
        }
        let stored = try incident(named: parsed.target, for: parsed.command)
        let incident = stored.incident
        try requireAccess(to: incident, for: parsed.command)
        switch parsed.command {
        case .status:
            return EngineOutcome(.answered, reply: IncidentQueries.status(incident, now: now), incident: incident.number)
        case .escalation:
            let forecast = EscalationForecast(incident, now: now, roster: settings.roster)
            return EngineOutcome(.answered, reply: forecast.message(for: incident), incident: incident.number)
        case .postmortem:
            let draft = PostmortemDraft.markdown(incident, timeline: try records.timeline(incident: incident.number),
                                                 roomMadeAs: try records.renamedRoom(event.platform, asked: incident.room), inChat: true,
                                                 commandPrefix: event.platform.commandPrefix)
            // As a block: copied out of chat, it is the Markdown it was (Slack's mrkdwn read its
            // `_placeholders_` as italics, and a copy lost the marks).
            let reply = Message(lines: [[.text("The post-mortem draft of \(incident.id), in Markdown:")], [.block(draft)]])
            return EngineOutcome(.answered, reply: reply, incident: incident.number)
        default:
            let here = try roomIncident()
            if let here, here != incident.number, parsed.command != .ack {
                // `/incident resolve INC-12 duplicate`, typed in INC-13's room, most likely
                // means INC-13: a change to another incident is made where nobody mistakes it.
                // A private incident's room is not named: it may still be named after the title.
                let there: BotText = incident.isPrivate ? "its own room" : "\(room: incident.room)"
                throw Refusal(message: "This is INC-\(here)'s room, so a change typed here is about INC-\(here). "
                              + "Change \(incident.id) in \(there); to mention it here, do not start with it.")
            }
            // A bare `/ack` answering a private incident's page where the whole room reads the answer.
            let unnamed = parsed.command == .ack && parsed.target == nil && here == nil && !mayShow(incident, here: nil)
            let madePrivate = try parsed.command == .makePrivate && roomMadePrivate(stored)
            let decision: Decision
            do {
                decision = try incident.handling(parsed.command, by: actor, in: here == incident.number ? .incidentRoom : .elsewhere,
                                                 at: now, roster: settings.roster, community: settings.community(home: stored.home),
                                                 roomMadePrivate: madePrivate)
            } catch {
                if unnamed { throw Self.privatePageNotAcknowledged(error) }
                // A bare `/ack` refused in an incident's room points to a page of theirs that waits elsewhere.
                throw parsed.command == .ack && parsed.target == nil ? try pointingToWaitingPages(error, refusedIn: incident) : error
            }
            try commit(decision, home: stored.home)
            var withdrawn = BroadcastWithdrawal()
            if decision.incident.isPrivate, !incident.isPrivate {
                // Broadcast posts queued before it turned private (this very batch, or waiting out an outage) stay unsent.
                withdrawn = try records.withdrawBroadcasts(incident: incident.number, reason: OutboxItem.withdrawn("\(incident.id) is private now"), at: now)
            }
            let answered = try postsWhereTyped(decision)
            let reply = unnamed ? Self.privatePageAcknowledged : decision.reply
            return EngineOutcome(.handled, reply: Self.withWithdrawals(withdrawn, answered ? nil : reply), incident: incident.number)
        }
    }

    /// `/action list`: one incident's items (named, or the room's it was typed in), or those of
    /// every open incident the filter keeps.
    func listActions(_ filter: ActionListFilter, target: IncidentRef?) throws -> EngineOutcome {
        if filter == .incident {
            let here = target == nil ? try records.incident(platform: event.platform, roomID: event.room) ?? records.incident(roomName: event.room) : nil
            if target != nil || here != nil {
                let incident = try here ?? self.incident(named: target)
                try requireAccess(to: incident.incident, for: .actionList(filter))
                let reply = IncidentQueries.actions([incident.incident], filter: filter, asker: actor, now: now, single: true)
                return EngineOutcome(.answered, reply: reply, incident: incident.incident.number)
            }
        }
        let here = try roomIncident()
        let all = try records.openIncidents().map(\.incident)
        let open = all.filter { mayShow($0, here: here) }
        var reply = IncidentQueries.actions(open, filter: filter, asker: actor, now: now, single: false)
        // Their own items of private incidents not shown here (an answer posted for the whole
        // lobby, on Matrix): said, not answered "none" to the person who owns them.
        if filter == .mine {
            let hidden = all.filter { !mayShow($0, here: here) }.flatMap(\.actionItems).filter { $0.isOpen && $0.owner == actor }.count
            if hidden > 0 {
                reply.line(.text("\(hidden) more of yours, in private incidents, are not shown here: "), .command("action list INC-N"),
                           .text(" in their rooms shows them."))
            }
        }
        return EngineOutcome(.answered, reply: reply)
    }

    /// `reply`, and what turning the incident private withdrew: a post its asker, or whoever
    /// typed an `/update` in the same moment, was told went to the broadcast channel.
    static func withWithdrawals(_ withdrawal: BroadcastWithdrawal, _ reply: Message?) -> Message? {
        guard withdrawal != BroadcastWithdrawal() else { return reply }
        var answer = reply ?? Message(lines: [])
        if withdrawal.withdrawn > 0 {
            let posts = withdrawal.withdrawn == 1 ? "1 post" : "\(withdrawal.withdrawn) posts"
            answer.line(.text("Withdrawn: \(posts) queued for the broadcast channel before this "
                + "(made in the same moment, or waiting out an outage); they will not be sent."))
        }
        // Delivery claims a post as it sends it (`claimForSending`): one claimed is left, and
        // most likely reaches the channel within a second (one whose send waited past its claim
        // reads the incident again, and is withdrawn after all).
        if withdrawal.beingSent > 0 {
            let posts = withdrawal.beingSent == 1 ? "1 post was" : "\(withdrawal.beingSent) posts were"
            answer.line(.text("\(posts) being sent to the broadcast channel as this came, and may reach it within seconds: "
                + "look there, and delete any that names this incident."))
        }
        return answer
    }

    /// Whether the decision's own post in the incident room already answers the command: it
    /// was typed in that room and the reply would be posted there for all to read (Matrix), so
    /// a confirmation ("INC-4 is now P0.") would only repeat the post above it. Typed elsewhere
    /// (a lobby, naming the incident), the reply is what tells the person it worked; a private
    /// reply (Slack's ephemeral one) troubles nobody else and stays, and so does a reply that
    /// says more than the post (`replyAddsToPost`).
    func postsWhereTyped(_ decision: Decision) throws -> Bool {
        guard event.reply == .outboxToRoom, decision.reply != nil, !decision.replyAddsToPost,
              decision.effects.contains(where: { if case .post(_, to: .incidentRoom) = $0.action { true } else { false } })
        else { return false }
        return try records.roomID(event.platform, incident: decision.incident.number) == event.room
    }

    /// The incident a command means: the one it names, or the one whose room it was typed in.
    /// The open incident `declaration` declares again (`Incident.isDeclaredAgain`), found
    /// among the incidents whose rooms its own room name would collide with: the same title
    /// the same day makes the same name (and for a repeat just past midnight, the day
    /// before's). Only one with a room on the asker's platform (its home, or every platform
    /// when mirrored) that the asker may be shown. Where several match (a P1 and, minutes
    /// later, a P0 declared with the same title), the one whose room it was typed in, else the
    /// most severe, else the latest: the one the outage is being worked in. The first by room
    /// name sent a responder to the quiet P1 and told them to raise it to P0, a second P0
    /// paging the VP again.
    func declaredAgain(_ declaration: Declaration, takenRooms: Set<String>) throws -> StoredIncident? {
        var matches: [StoredIncident] = []
        for room in takenRooms {
            guard let stored = try records.readableIncident(roomName: room), settings.mirror || stored.home == event.platform,
                  stored.incident.isDeclaredAgain(by: declaration, at: now, roster: settings.roster), mayShow(stored.incident, here: nil) else { continue }
            matches.append(stored)
        }
        guard matches.count > 1 else { return matches.first }
        if let here = try roomIncident(), let typedInIt = matches.first(where: { $0.incident.number == here }) {
            return typedInIt
        }
        return matches.max { lower, higher in
            let (a, b) = (lower.incident, higher.incident)
            return a.severity != b.severity ? b.severity.isMoreSevere(than: a.severity) : a.number < b.number
        }
    }

    func incident(named target: IncidentRef?, for command: Command? = nil) throws -> StoredIncident {
        switch target {
        case .number(let number):
            guard let found = try records.incident(number) else { throw Refusal(message: "There is no INC-\(number); \(command: "incident list") shows the open incidents.") }
            return found
        case .room(let name):
            guard let found = try records.incident(roomName: name) else { throw Refusal(message: "There is no incident room #\(name); \(command: "incident list") shows the open incidents.") }
            return found
        case nil:
            if let found = try records.incident(platform: event.platform, roomID: event.room) ?? records.incident(roomName: event.room) {
                return found
            }
            if command == .ack {
                if let paged = try pageToAcknowledge() { return paged }
                // Someone who answered every page, or a business ladder's person, was told they
                // were in the wrong place, and retyped with a number to hear the same again.
                throw Refusal(message: "No page of yours waits for an acknowledgement: each that reached you is answered, or is a business "
                              + "ladder's, which stops when the incident is mitigated. Name an incident for its own answer, as in \(command: Self.example(of: command)).")
            }
            throw Refusal(message: "This is not an incident room: name the incident, as in \(command: Self.example(of: command)), or type it in the incident's room.")
        }
    }

    /// A bare `/ack` outside any incident's room (in the page's direct messages, at 3 a.m.)
    /// means the one open incident whose page reached the person, on a ladder an
    /// acknowledgement stops, and they have not acknowledged (`awaitingAcknowledgement`, the
    /// rule a bare `ACK` by text follows); nil when none is. Two or more are named back to
    /// choose from. Whether the ladder still climbs does not matter: the on-call answering a
    /// minute after someone else took the incident was told they typed it in the wrong place,
    /// and their answer was missing from the record; nor may an answer to one page land on
    /// another incident because someone else answered the first.
    func pageToAcknowledge() throws -> StoredIncident? {
        let open: [StoredIncident]
        do {
            open = try records.openIncidents(skippingUnreadable: false)
        } catch is UnreadableRow {
            throw Refusal(message: PageAnswer.whileAnIncidentIsUnreadable(naming: "\(command: "ack INC-4")"))
        }
        let paging = try records.awaitingAcknowledgement(from: actor, among: open)
        guard paging.count > 1 else { return paging.first }
        // An answer posted for the whole room (a Matrix lobby) does not say who a private incident paged.
        let shown = paging.filter { mayShow($0.incident, here: nil) }
        guard !shown.isEmpty else {
            throw Refusal(message: "You are paged for \(paging.count) private incidents: name the one you acknowledge, as its page says.")
        }
        throw Refusal(message: "You are paged for \(paging.count) incidents; name the one you acknowledge: "
                      + Self.acknowledgements(of: shown, hiding: paging.count - shown.count) + ".")
    }

    /// The command typed, naming an incident, for a refusal that asks for one: a paged person
    /// typing `/ack` in a lobby is shown `/ack INC-42`, not a status query.
    static func example(of command: Command?) -> String {
        switch command {
        case .ack: "ack INC-42"
        case .update: "update INC-42 Rolled back the deploy"
        case .note: "note INC-42 Error rate back to normal"
        case .severity(let severity, _): "sev INC-42 \(severity)"
        case .commander, .handover: "ic INC-42 @someone"
        case .mitigated: "incident mitigated INC-42"
        case .resolve: "incident resolve INC-42"
        case .snooze(let duration): "incident snooze INC-42 \(duration.map(DurationText.format) ?? "off")"
        case .call(let link): "incident call INC-42 \(link == nil ? "off" : "https://meet.example.com/abc")"
        case .impactStarted: "incident started INC-42 09:42"
        case .makePrivate: "incident private INC-42"
        case .makePublic: "incident public INC-42"
        case .close: "incident close INC-42"
        case .forceClose: "incident close INC-42 --force why"
        case .role(let role, _): "role INC-42 \(role.rawValue) @someone"
        case .action: "action INC-42 @owner what is to be done"
        case .actionDone(let number): "action done INC-42 A\(number)"
        case .postmortem: "incident postmortem INC-42"
        case .escalation: "incident escalation INC-42"
        default: "incident status INC-42"
        }
    }

    mutating func commit(_ decision: Decision, home: Platform) throws {
        try Self.commit(decision, home: home, records: records, router: router, now: now)
        if let due = decision.incident.nextDue { earliestDueWritten = min(earliestDueWritten ?? due, due) }
    }

    /// Writes a decision: the incident's new state, its timeline entries and its effects.
    /// `unlessUnchangedFrom`: the incident as read, when a decision that leaves it as it was
    /// need not rewrite it (a page's delivery adds only to the timeline: each one re-encoded
    /// and rewrote the whole incident). Not for the scheduler's ticks, whose save also mends a
    /// row's due time that an older version computed otherwise.
    static func commit(_ decision: Decision, home: Platform, records: any IncidentRecords, router: OutboxRouter,
                       now: Timestamp, unlessUnchangedFrom read: Incident? = nil) throws {
        if decision.incident != read { try records.save(StoredIncident(incident: decision.incident, home: home)) }
        try records.appendTimeline(decision.timeline, incident: decision.incident.number)
        try records.enqueue(router.items(for: decision.effects, home: home, at: now))
    }
}
