import IncidentCore
import IncidentPolicy

/// The same incident declared twice: a slash command whose answer came late (Slack shows the
/// person an error after 3 s although the declaration was committed) is typed again, and two
/// responders who saw the same alert declare it within a minute of each other. Either would
/// open a second room and page the on-call a second time for one incident.
extension Incident {
    /// How long after its declaration an incident's title, declared again, is taken for it.
    public static let declaredAgainWindow: Duration = .minutes(10)

    /// Whether `declaration`, made at `now`, declares this incident again: the same title (case,
    /// spacing and punctuation aside), within `declaredAgainWindow` of this one's declaration, while it is
    /// being worked on (investigating or mitigated; one that came back after it was resolved
    /// is a new incident). A declaration that asks for more (a higher severity, whose pages
    /// must go out, or an incident commander other than the one it has) is not matched: it
    /// declares as before. The same commander again is matched: a retyped `--ic` declaration
    /// otherwise paged the on-call (and for a P0 the VP) a second time. Private ones are not:
    /// their rooms do not carry their titles, and a match would tell a stranger a private
    /// incident exists. A `--private` declaration of a public one's title is: it paged the
    /// on-call a second time for one outage, and opened a room that hid nothing the first
    /// room's name did not tell; the answer says how to make the one there is private.
    public func isDeclaredAgain(by declaration: Declaration, at now: Timestamp, roster: Roster) -> Bool {
        guard !isPrivate, phase == .investigating || phase == .mitigated,
              declaration.commander.map({ roster.resolve($0) == commander && commander != nil }) ?? true,
              // Without --sev it asks for the default, which may be more than this one's: a
              // bystander's P3 must not swallow the on-call's declaration of a P2 (or a P0).
              !(declaration.severity ?? policy.defaultSeverity).isMoreSevere(than: severity),
              now >= declaredAt, now - declaredAt < Self.declaredAgainWindow else { return false }
        return Self.titleKey(title) == Self.titleKey(declaration.title)
    }

    /// This incident declared again by `actor`: told where it is being worked and, when the
    /// incident trusts them (on the roster, paged for it, its IC or declarer), invited to its
    /// room as its declarer was (on Matrix its room is invite-only, and whoever it invites
    /// gets a responder's power there). An account the bot serves but the incident does not
    /// trust is not let in by typing its title: it may ask a responder. Someone trusted in
    /// their own right who declares again an incident whose declarer is not stands in for
    /// that declarer (`Transition.standInForDeclarer`).
    public func declaredAgain(_ declaration: Declaration, by actor: PersonID, at now: Timestamp, roster: Roster,
                              community: Community) -> Decision {
        var transition = Transition(self, now: now, roster: roster, actor: actor, community: community)
        if community.serves(actor, roster: roster), transition.isTrusted(actor) { transition.invite(actor) }
        let standsIn = transition.standInForDeclarer(actor)
        var reply = Message(
            .text("\(id) "), .userText(title), .text(" (\(severity)) was declared \(DurationText.format(now - declaredAt)) ago by "),
            .mention(declaredBy), .text(phase == .mitigated ? " and is mitigated, in " : " and is open in "), .room(room),
            .text(": nothing new was declared."))
        // Declared again once mitigated: most likely the problem is back, which its ladders,
        // stopped by the mitigation, would not page for.
        if phase == .mitigated {
            reply.lines[0] += [.text(" If the problem is back, "), .command("update \(id) status: investigating"),
                               .text(" sets it back, and its ladders climb again.")]
        }
        // The next severity up, where there is one: a P0 has nothing to raise it to.
        if let higher = Severity.allCases.last(where: { $0.isMoreSevere(than: severity) }) {
            reply.lines[0] += [.text(" To raise its severity, "), .command("sev \(id) \(higher)"),
                               .text("; to declare another incident, give it another title.")]
        } else {
            reply.lines[0].append(.text(" To declare another incident, give it another title."))
        }
        if declaration.isPrivate {
            let mayMakePrivate = (try? transition.requireLead(actor, to: "make it private")) != nil
            reply.line(.text("It is not private: its room's name tells its title, and its updates go to the broadcast channel. "),
                       .text(mayMakePrivate ? "To make it private, " : "Whoever leads it can make it private: "),
                       .command("incident private \(id)"), .text("."))
        }
        if standsIn {
            reply.line(.text("You stand in for its declarer from now on: "), .mention(declaredBy),
                       .text(" is not on the roster, and cannot steer it."))
        }
        transition.reply = reply
        return transition.finish()
    }

    /// A title as compared: its words, lowercased, without the punctuation and spacing between
    /// them. "Payment API errors!" retyped in a hurry is "payment api errors"; "v1.2 down" and
    /// "v12 down" stay apart, and so do "C++ SDK" and "C# SDK" (`+` and `#` are kept). A title
    /// with no word at all (`🔥`) is compared as typed, spacing aside: `💥` is another.
    static func titleKey(_ title: String) -> String {
        let words = title.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "+" || $0 == "#") })
        return words.isEmpty ? title.split(whereSeparator: \.isWhitespace).joined(separator: " ") : words.joined(separator: " ")
    }
}
