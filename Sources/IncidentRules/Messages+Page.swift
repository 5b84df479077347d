import IncidentCommands
import IncidentCore
import IncidentPolicy

/// What a page says: the same words on every method, each cutting or reading them its own way.
extension Messages {
    /// `toCommander`: the page goes to the incident's commander (named by the declaration, as
    /// the on-call or the VP a P0 pages at once), whom taking the role acknowledged: it tells
    /// them so and asks for no `/ack`, which would only tell them they had acknowledged already;
    /// paged for the updates they missed (they fill the top of the climb), it asks for an
    /// update. It said "Unanswered since" and asked for an `/ack`.
    static func page(_ incident: Incident, ladder: Ladder, level: Ladder.Level, reason: PageRecord.Reason, now: Timestamp,
                     toCommander: Bool) -> Message {
        var message = Message(lines: [outsideHeading(incident, "🔔")], kind: .page)
        message.line(.text("You are paged as \(level.role) (\(ladder.id) \(level.id))\(reason.pageNote)."))
        let asks = ladder.asksForAnswers
        message.lines.append(sinceLine(incident, asks: asks, now: now))
        // A private incident's call link stays in its room: it may carry the room's name.
        if let call = incident.callLink, !incident.isPrivate { message.line(.text("Call: "), .link(url: call.url, label: call.url)) }
        if toCommander, reason == .missedUpdate {
            message.line(.text("You are its incident commander, and the updates missed are yours: post one with "),
                         .command("update \(incident.id)"), .text("."))
        } else if toCommander {
            message.line(.text("You are its incident commander, which acknowledges this page; nothing to answer."))
        } else if asks {
            askForAcknowledgement(&message, incident)
        } else {
            message.lines.append(forInformation(incident))
        }
        return message
    }

    /// A page's second line: since when the incident is open, and where it is.
    static func sinceLine(_ incident: Incident, asks: Bool, now: Timestamp) -> [Span] {
        // Since when, not for how long: the page may reach its person later than it was decided
        // (a method that failed first), and "Unanswered for 0s" read two minutes on was false.
        let declared = incident.policy.timeZone.clockTime(incident.declaredAt, seenAt: now)
        // A page that asks for no answer (the business ladder's) is not "unanswered". Nor is
        // one of an incident with an IC, whom taking the role acknowledged (named by the
        // declaration, the IC's acknowledgement comes after the pages it made). Whether anyone
        // answered, not `acknowledgedAt`: a mitigation that did not hold sets that, and nobody
        // may have answered yet.
        let unanswered = incident.acknowledgedBy?.isEmpty != false && incident.commander == nil
        let since = asks && unanswered ? "Unanswered since \(declared)" : "Open since \(declared)"
        // Only people with a chat account here are invited to a private incident's room: a
        // mail-only operations manager was told she was, to a room she could not join.
        if incident.isPrivate {
            return [.text("\(since) · its details stay in its room, to which paged people with a chat account are invited.")]
        }
        return [.text("\(since) · status: "), .userText(FreeText.clipped(incident.statusText, to: pageStatusLimit)),
                .text(" · room "), .room(incident.room)]
    }

    /// The most of the status a page carries, in characters: the room has it whole. A status
    /// of 4,000 characters filled the text and the call, which then lost the room and the call
    /// link, and read a minute and a half of it before "press 1 to acknowledge".
    static let pageStatusLimit = 160

    /// The last line of a page that asks for no answer (the business ladder's).
    static func forInformation(_ incident: Incident) -> [Span] {
        // Updates go on past mitigation: "until it is mitigated" read as if they stopped.
        let whereUpdates = incident.isPrivate ? "in its room" : "in the broadcast channel"
        return [.text("For your information; nothing to answer. Updates follow \(whereUpdates).")]
    }

    /// Turns a page made for a ladder that asks for no answer into one that asks: it also
    /// carries a ladder that waits for an acknowledgement (the VP engineering who is also the
    /// operations manager, paged as both at once). It said "Open since … For your information;
    /// nothing to answer" and then asked for `/ack`: the person who could stop the climb was
    /// told not to answer.
    static func askForAnswer(_ message: inout Message, _ incident: Incident, now: Timestamp) {
        let information = forInformation(incident)
        message.lines.removeAll { $0 == information }
        if let since = message.lines.firstIndex(of: sinceLine(incident, asks: false, now: now)) {
            message.lines[since] = sinceLine(incident, asks: true, now: now)
        }
        askForAcknowledgement(&message, incident)
    }

    /// The line and the button that ask a page's person to acknowledge it; what every method
    /// that can take an answer reads (`Page.asksForAcknowledgement`).
    static func askForAcknowledgement(_ message: inout Message, _ incident: Incident) {
        guard !message.actions.contains(.acknowledge) else { return }
        message.line(.text("Acknowledge with "), .command("ack \(incident.id)"), .text("."))
        message.actions.append(.acknowledge)
    }
}

extension PageRecord.Reason {
    /// Why the page went out, as a record's reader says it (the export's pages table).
    public var phrase: String {
        switch self {
        case .climb: "the ladder reached this level"
        case .repeatAtTop: "a repeat at the top of the ladder"
        case .immediate: "the severity pages this level at once"
        case .missedUpdate: "status updates were missed"
        case .rotationHandover: "the level passed to them (a rotation's turn or a roster edit)"
        }
    }

    var pageNote: String {
        switch self {
        case .climb: ""
        case .repeatAtTop: "; this is a repeat page, the incident is still unanswered"
        case .immediate: "; this severity pages your level at once"
        case .missedUpdate: "; status updates were missed"
        case .rotationHandover: "; the level became yours while this page was unanswered"
        }
    }
}
