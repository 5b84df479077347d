import IncidentCore
import IncidentPolicy

/// Where a command about an incident was typed, as the permission rules see it.
public enum Venue: Hashable, Sendable {
    /// In the incident's own room (on any platform it is mirrored to).
    case incidentRoom
    /// Anywhere else: a lobby, a direct message, another incident's room.
    case elsewhere
}

/// Who may change an incident (docs/behaviour.md, "Who may do what"). The rule that matters
/// most: nothing that stops or slows paging comes from someone the bot does not trust.
extension Transition {
    /// Whether `person` is trusted with this incident: on the roster, an incident admin, paged
    /// for it, or (once an IC is named) its IC or (acting) declarer.
    func isTrusted(_ person: PersonID) -> Bool {
        if isTrustedInOwnRight(person) { return true }
        guard let commander = incident.commander else { return false }
        return person == commander || person == incident.actingDeclarer
    }

    /// On the roster, an incident admin, or paged for the incident (a page withdrawn before it
    /// went out reached nobody): trusted whatever role they hold in it.
    func isTrustedInOwnRight(_ person: PersonID) -> Bool {
        isListed(person) || incident.pages.contains { $0.person == person && $0.withdrawn != true }
    }

    /// `actor`, trusted in their own right, declared the incident again while its declarer is
    /// not: they take the declarer's place (`Incident.declarerStandIn`). Otherwise an account
    /// off the roster that typed the title first became, once an IC was named, one who may
    /// lower and resolve the responders' incident. True when they did.
    mutating func standInForDeclarer(_ actor: PersonID) -> Bool {
        guard incident.declarerStandIn == nil, actor != incident.declaredBy, isTrustedInOwnRight(actor),
              !isTrustedInOwnRight(incident.declaredBy) else { return false }
        incident.declarerStandIn = actor
        record(.roleAssigned, "\(actor.handle) declared it again and stands in for its declarer, \(incident.declaredBy.handle), "
            + "who is not on the roster.")
        return true
    }

    /// On the roster or an incident admin.
    func isListed(_ person: PersonID) -> Bool {
        roster.lists(person)
    }

    /// A change typed outside the incident's room comes only from roster people and admins:
    /// anyone can reach a lobby or the bot's direct messages, only the responders its room.
    func requireVenue(_ actor: PersonID) throws(IncidentError) {
        guard venue == .elsewhere, !isListed(actor) else { return }
        throw IncidentError(.notAllowed, "Only people on the roster can change \(incident.id) from outside its room; type it in "
            + (incident.isPrivate ? "its room." : "\(room: incident.room)."))
    }

    /// `/sev`, `/ic`, `/role`, mitigated, resolve, close: the IC, the declarer (trusted in their
    /// own right: `declarerLeads`) and the incident admins once an IC is named; before that, roster people and anyone paged for the incident.
    func requireLead(_ actor: PersonID, to action: String) throws(IncidentError) {
        guard let commander = incident.commander else {
            guard isTrusted(actor) else {
                throw IncidentError(.notAllowed,
                                    "Until \(incident.id) has an incident commander, only people on the roster or paged for it can \(action).")
            }
            return
        }
        guard actor == commander || actor == incident.actingDeclarer && declarerLeads || roster.admins.contains(actor) else {
            let who = commander == incident.actingDeclarer ? "the incident commander, who declared it (\(commander.handle)),"
                : declarerLeads ? "the incident commander (\(commander.handle)), the declarer (\(incident.actingDeclarer.handle))"
                : "the incident commander (\(commander.handle))"
            throw IncidentError(.notAllowed, "Only \(who) or an incident admin can \(action).")
        }
    }

    /// Whether the (acting) declarer shares the IC's say once an IC is named: only when trusted
    /// in their own right. An account off the roster that declared first, once a responder
    /// took the incident, named itself IC and lowered, snoozed and resolved it.
    var declarerLeads: Bool { isTrustedInOwnRight(incident.actingDeclarer) }

    /// Someone named IC or given a role must be reachable: on the roster, or an account the
    /// bot serves (its allowed Matrix servers; a Slack account of a served workspace, as Slack
    /// said when the command named it: behaviour.md) on a platform it runs on, and not the bot
    /// itself. A roster person needs an account on one of those platforms: the role is run
    /// with commands typed in chat, and its briefing and nudges come as direct messages there.
    /// An unlisted account, on a platform the incident has a room on (`Community.roomPlatforms`).
    func requireReachable(_ person: PersonID) throws(IncidentError) {
        // The bot itself: its nudges and handovers would reach no one.
        if community.ownAccounts?.contains(person) == true {
            throw IncidentError(.notAllowed, "That is this bot's own account; name a person.")
        }
        // Reached by mail, text or call alone: a handover's briefing went to a chat account
        // they do not have, was given up, and the room was told it could not be delivered.
        if let listed = roster.people[person], let platforms = community.platforms, !listed.typesCommands(on: platforms) {
            let chats = platforms.map(\.title).sorted().joined(separator: " or ")
            throw IncidentError(.notAllowed, "\(person.handle) has no \(chats) account on the roster, so they could not type this "
                + "incident's commands or get its direct messages; name someone who has.")
        }
        // Named while its platform could not say yet whether it is served (Slack's `users.info`
        // slow or down): not taken as served, since an account of another organisation named
        // IC stops the ladder. Asked again, Slack's late answer counts.
        if roster.people[person] == nil, community.outsiders?.isUnanswered(person) == true {
            throw IncidentError(.notAllowed, "Slack has not said yet which workspace \(person.handle) is in, so they cannot be named for now; "
                + "try again in a moment, or name someone on the roster.")
        }
        guard community.serves(person, roster: roster) else {
            if let platforms = community.platforms, let platform = person.accountPlatform, !platforms.contains(platform) {
                throw IncidentError(.notAllowed, "\(person.handle) is an account on \(platform.title), which this bot is not on; name someone on the roster.")
            }
            if person.rawValue.hasPrefix(Platform.slack.rawValue + ":") {
                throw IncidentError(.notAllowed, "\(person.handle) is an account of another Slack workspace, which this bot does not serve; "
                    + "name someone in this workspace or on the roster.")
            }
            let served = community.matrixDescription
            throw IncidentError(.notAllowed,
                                "\(person.handle) is outside the accounts this bot serves" + (served.isEmpty ? "" : " (Matrix: \(served))")
                                    + "; name someone on the roster.")
        }
        // An unlisted account acts only in the incident's room: on a platform the incident has
        // no room on, it could neither read the room nor type a command that counts.
        if let rooms = community.roomPlatforms, let platform = person.accountPlatform, !rooms.contains(platform) {
            let there = rooms.map(\.title).sorted().joined(separator: " or ")
            throw IncidentError(.notAllowed, "\(person.handle) is a \(platform.title) account off the roster, and this incident's room "
                + "is on \(there) alone: they could not read the room or type its commands; name someone on the roster or in that room.")
        }
    }
}
