/// A chat command, parsed and platform-neutral. `IncidentCommands` makes these from text.
public enum Command: Hashable, Sendable, Codable {
    /// `/incident declare <title> [--sev P0..P3] [--ic @user]`
    case declare(Declaration)
    /// `/incident status`
    case status
    /// `/incident list`
    case list
    /// `/incident mitigated`
    case mitigated
    /// `/incident resolve [summary]`
    case resolve(summary: String?)
    /// `/incident close`
    case close
    /// `/incident postmortem`
    case postmortem
    /// `/incident escalation`
    case escalation
    /// `/incident help [command]`
    case help(topic: String?)
    /// `/sev <P0..P3> [reason]`
    case severity(Severity, reason: String?)
    /// `/ic @user`
    case commander(PersonRef)
    /// `/role <comms|scribe|lead> @user`
    /// A role given to someone; nil: nobody holds it now (`/role comms none`).
    case role(Role, PersonRef?)
    /// `/update <text> [status: ...] [impact: ...] [next: ...] [eta: ...]`
    case update(StatusUpdate)
    /// `/ack`
    case ack
    /// `/note <text>`
    case note(String)
    /// `/incident snooze <duration | off>`: no status-update nudges for that long; nil ends
    /// the snooze.
    case snooze(Duration?)
    /// `/incident call <link | off>`: sets or changes the incident's call link; nil removes it.
    case call(CallLink?)
    /// `/incident close --force <why>`: an admin closes an incident with open action items,
    /// which are dropped with the reason.
    case forceClose(reason: String)
    /// `/action @owner <text> [due: <day or duration>]`
    case action(ActionRequest)
    /// `/action done <A-number>`
    case actionDone(Int)
    /// `/action list [INC-N | --mine | --overdue]`
    case actionList(ActionListFilter)
    /// `/incident started <HH:MM | YYYY-MM-DD HH:MM>`: when the impact began.
    case impactStarted(ImpactStart)
    /// `/ic @next handover: <note>`: the IC role handed over with a note, and the new IC briefed.
    case handover(PersonRef, note: String)
    /// `/incident private`: from now on the incident is private (nothing to the broadcast
    /// channel, no title outside its room, details only for its members and admins).
    case makePrivate
    /// `/incident public`: an incident admin makes a private incident public again.
    case makePublic
    /// A message of the incident's room pinned or unpinned for the timeline (from a platform
    /// event, never typed).
    case pin(PinChange)

    /// Whether the command reads or changes one incident (and so needs one, named or implied).
    public var needsIncident: Bool {
        switch self {
        case .declare, .list, .help, .actionList: false
        default: true
        }
    }

    /// Whether the command stops or steers paging under way: acknowledging, naming or handing
    /// over the IC (which acknowledges the engineering page), a severity, mitigation,
    /// resolution, a status update (which holds off the missed-update step). Someone on the
    /// roster has these carried out past the per-person limit: over it after a burst of notes,
    /// the IC's `/ic`, `/incident mitigated` and `/update` were dropped and the ladders climbed.
    /// A declaration is not among them: a loop posting as someone on the roster would page for
    /// each one.
    public var movesPaging: Bool {
        switch self {
        case .ack, .commander, .handover, .severity, .mitigated, .resolve, .update: true
        default: false
        }
    }

    /// Whether the command changes anything. Queries (`status`, `list`, `escalation`,
    /// `postmortem`, `help`) are answered to the asker and leave no timeline entry.
    public var isQuery: Bool {
        switch self {
        case .status, .list, .escalation, .postmortem, .help, .actionList: true
        default: false
        }
    }
}

/// What `/incident declare` asks for.
public struct Declaration: Hashable, Sendable, Codable {
    public var title: String
    /// nil: the policy's default severity.
    public var severity: Severity?
    public var commander: PersonRef?
    /// `--private`: a private incident (security, data exposure).
    public var isPrivate: Bool

    public init(title: String, severity: Severity? = nil, commander: PersonRef? = nil, isPrivate: Bool = false) {
        self.title = title
        self.severity = severity
        self.commander = commander
        self.isPrivate = isPrivate
    }

    /// What the room's name is made from: the title, or for a private incident the word
    /// `private`, so the name (in pages, mentions, the channel list) tells nothing. A public
    /// incident titled "Private" (or "Private 2") never takes a private one's name, which
    /// readers take for the private incident's room: its name says `titled-private`.
    public var roomTitle: String {
        isPrivate ? Self.privateRoomTitle : publicRoomTitle
    }
    /// What the room's name is made from were the incident public: the name a public incident
    /// of this title already holds, under which the same title declared again is looked for,
    /// `--private` or not.
    public var publicRoomTitle: String {
        RoomName.isPrivateStem(RoomName.slug(title)) ? "titled " + title : title
    }
    /// What a private incident's room name is made from.
    public static let privateRoomTitle = "private"
}

/// A status update: free text plus the optional labelled fields responders use.
public struct StatusUpdate: Hashable, Sendable, Codable {
    public var text: String
    public var status: String?
    public var impact: String?
    public var next: String?
    public var eta: String?

    public init(text: String, status: String? = nil, impact: String? = nil, next: String? = nil, eta: String? = nil) {
        self.text = text
        self.status = status
        self.impact = impact
        self.next = next
        self.eta = eta
    }

    /// The labelled fields that are present, in their canonical order.
    public var fields: [(label: String, value: String)] {
        [("status", status), ("impact", impact), ("next", next), ("eta", eta)]
            .compactMap { label, value in value.map { (label, $0) } }
    }
}

/// A command with the incident it names, if it named one.
public struct ParsedCommand: Hashable, Sendable, Codable {
    public var target: IncidentRef?
    public var command: Command

    public init(_ command: Command, target: IncidentRef? = nil) {
        self.command = command
        self.target = target
    }
}
