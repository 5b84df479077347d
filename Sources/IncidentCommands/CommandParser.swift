import IncidentCore

/// Turns a line of chat into a `ParsedCommand`, in stages: prefix and size checks, tokens,
/// the command word, then the command's own arguments.
///
/// Accepts `/` (Slack, console) and `!` (Matrix, console) prefixes, any letter case, extra
/// white space and quotes. Never traps, and runs in time linear in the input.
public enum CommandParser {
    /// Longest line read as a command, in characters (Slack allows 4,000 in a slash command;
    /// Matrix messages may be longer). Anything longer is refused before it is tokenized.
    public static let maxLength = 8_000
    /// Longest incident title, in characters.
    public static let maxTitleLength = 150
    /// Longest free text (`/note`, `/update`, a resolution summary, a severity reason).
    public static let maxTextLength = 4_000

    public static func parse(_ text: String) -> Result<ParsedCommand, CommandError> {
        do {
            return .success(try parseOrThrow(text))
        } catch {
            return .failure(error)
        }
    }

    static func parseOrThrow(_ typed: String) throws(CommandError) -> ParsedCommand {
        // Read from its `/` or `!`: what comes before may be invisible (`isBlankBeforeCommand`).
        guard typed.startsAsCommand else {
            throw CommandError(.notACommand, "Commands start with / or !, for example \(command: "incident help").")
        }
        let command = typed.first?.isBlankBeforeCommand == true ? String(typed.drop { $0.isBlankBeforeCommand }) : typed
        guard command.unicodeScalars.count <= maxLength else {
            throw CommandError(.tooLong, "That message is too long to be a command (over \(maxLength) characters).")
        }
        let text = FreeText.controlsAsSpaces(command)
        let tokens = Tokenizer.tokens(text)
        var arguments = Arguments(text: text, tokens: tokens)
        let word = arguments.next()!
        let typed = word.text.dropFirst().lowercased()
        let name: CommandName
        if typed == "incident" || typed == "inc" {
            guard let sub = arguments.peek() else { return ParsedCommand(.help(topic: nil)) }
            guard let found = CommandName(lookingUp: sub.text) else {
                let names = CommandName.allCases.map { $0.subcommand ?? $0.rawValue }.joined(separator: "|")
                throw CommandError(.unknownCommand, "“\(sub.text.clipped)” is not an \(command: "incident") command.",
                                   usage: "\(command: "incident <\(names)> ...")", position: sub.offset)
            }
            arguments.next()
            name = found
        } else if let found = CommandName(lookingUp: typed), found.subcommand == nil {
            name = found
        } else if let found = CommandName(lookingUp: typed), let sub = found.subcommand {
            // `@incident-bot help`, `!declare ...`: the word of an `/incident` command.
            throw CommandError(.unknownCommand, "“\(word.text.clipped)” is an \(command: "incident") command: type \(command: "incident \(sub)") ...",
                               position: word.offset)
        } else {
            throw CommandError(.unknownCommand,
                               "Unknown command “\(word.text.clipped)”; type \(command: "incident help") for the list.",
                               position: word.offset)
        }
        do {
            return try parseArguments(of: name, &arguments)
        } catch var error {
            if error.usage == nil { error.usage = name.usage }
            // `/ack on it` at 3 a.m.: the refusal must not read as an answer taken.
            if name == .ack { error.reason = "Nothing was acknowledged. " + error.reason }
            throw error
        }
    }

    static func parseArguments(of name: CommandName, _ arguments: inout Arguments) throws(CommandError) -> ParsedCommand {
        let target = name.namesAnIncident ? try arguments.takeIncidentRef() : nil
        let command: Command
        switch name {
        case .declare: command = .declare(try parseDeclaration(&arguments))
        case .list: command = try arguments.finish(.list)
        case .help: command = .help(topic: try parseHelpTopic(&arguments))
        case .status: command = try arguments.finish(.status)
        case .mitigated: command = try arguments.finish(.mitigated)
        case .close: command = try parseClose(&arguments)
        case .postmortem: command = try arguments.finish(.postmortem)
        case .escalation: command = try arguments.finish(.escalation)
        case .ack: command = try arguments.finish(.ack)
        case .resolve: command = .resolve(summary: try arguments.restAsText())
        case .note: command = .note(try arguments.restAsText(required: "a note"))
        case .sev: command = try parseSeverity(&arguments)
        case .ic: command = try parseCommander(&arguments)
        case .role: command = try parseRole(&arguments)
        case .update: command = .update(try parseUpdate(&arguments))
        case .snooze: command = try parseSnooze(&arguments)
        case .call: command = try parseCall(&arguments)
        case .started: command = try parseImpactStart(&arguments)
        case .makePrivate: command = try arguments.finish(.makePrivate)
        case .makePublic: command = try arguments.finish(.makePublic)
        case .action: return try parseAction(&arguments)
        }
        return ParsedCommand(command, target: target)
    }

    static func parseSeverity(_ arguments: inout Arguments) throws(CommandError) -> Command {
        // A word of nothing but invisible characters (a zero-width space) is no severity named.
        guard let token = arguments.next(), !token.text.unicodeScalars.allSatisfy(\.properties.isDefaultIgnorableCodePoint) else {
            throw CommandError(.missingArgument, "Say which severity: P0, P1, P2 or P3.", position: arguments.endOffset)
        }
        // Written as a declaration's title may write it (`[P0]`, `P0:`), or as its number (`1`).
        guard let severity = Severity(parsing: token.text) ?? TitleSeverity.written(token.text) else {
            throw CommandError(.invalidArgument,
                               "“\(token.text.clipped)” is not a severity; use P0, P1, P2 or P3.", position: token.offset)
        }
        // `/sev P0 P1` (or `P1 -> P0`, `P1 → P0.`) names two severities: which one was meant
        // is a guess either way, and a wrong P0 pages the VP engineering at once. So does an
        // arrow to another with words after it (`/sev P1 -> P0 now` set P1, and the VP was not
        // paged), and a run of them (`/sev P0 P1 P2`). A severity word that starts a reason
        // ("P2 was too low") is the reason's, and so is one that names the same severity
        // (`/sev P0 critical`: the reason says how bad it is).
        let next = Array(arguments.tokens[arguments.index...].prefix(3))
        let words = next.map { $0.quoted ? "" : String($0.text.reversed().drop { ".,;:!".contains($0) }.reversed()) }
        let arrows: Set<String> = ["->", "→", "=>", "—", "–", "-", "to"]
        func another(_ index: Int) -> Severity? {
            guard index < words.count else { return nil }
            return Severity(parsing: words[index]).flatMap { $0 == severity ? nil : $0 }
        }
        func startsAnother(_ index: Int) -> Bool { index < words.count && (Severity(parsing: words[index]) != nil || arrows.contains(words[index].lowercased())) }
        let named: (Severity, Int)? = if words.first.map({ arrows.contains($0.lowercased()) }) == true, let meant = another(1) {
            (meant, 1)
        } else if let meant = another(0), next.count == 1 || startsAnother(1) {
            (meant, 0)
        } else {
            nil
        }
        if let (meant, index) = named {
            throw CommandError(.unexpectedArgument,
                               "“\(token.text.clipped) \(next.prefix(index + 1).map(\.text).joined(separator: " ").clipped)” names two severities; "
                                   + "give one, as in \(command: "sev \(meant)").",
                               position: next[index].offset)
        }
        try arguments.refuseReferenceAsReason { "sev \($0) \(severity)" }
        return .severity(severity, reason: try arguments.restAsText())
    }

    /// `30m`, `1h`, `1h30m`, or `off`.
    static func parseSnooze(_ arguments: inout Arguments) throws(CommandError) -> Command {
        guard let token = arguments.next() else {
            throw CommandError(.missingArgument, "Say for how long, as in 30m or 1h, or off.", position: arguments.endOffset)
        }
        let command: Command
        if token.text.lowercased() == "off" {
            command = .snooze(nil)
        } else if let duration = DurationText.parse(token.text), duration > .zero {
            command = .snooze(duration)
        } else {
            throw CommandError(.invalidArgument,
                               "“\(token.text.clipped)” is not a length of time; write it as 30m, 1h or 1h30m, or off.\(DurationText.capitalMHint(token.text))",
                               position: token.offset)
        }
        return try arguments.finish(command)
    }

    /// `@user`, or `@user handover: <note>`.
    static func parseCommander(_ arguments: inout Arguments) throws(CommandError) -> Command {
        // As `/role comms none` leaves that role empty: the IC's never is (`@none` is someone's
        // name). It was answered "I don't know @none".
        if let word = arguments.peek(), ["none", "nobody", "off"].contains(word.text.lowercased()) {
            throw CommandError(.invalidArgument, "The incident commander's role is never left empty: hand it over with \(command: "ic @user"), "
                               + "or \(command: "ic @user handover: <note>").", position: word.offset)
        }
        let person = try arguments.takeMention(for: "the new incident commander")
        guard let next = arguments.peek() else { return .commander(person) }
        guard next.text.lowercased().hasPrefix("handover:") else {
            throw CommandError(.unexpectedArgument, "Name one person; unexpected “\(next.text.clipped)”.", position: next.offset)
        }
        let rest = try arguments.restAsText() ?? ""
        let note = rest.dropFirst("handover:".count).trimmingWhitespace()
        guard !note.isEmpty else {
            throw CommandError(.missingArgument, "Write the handover note after handover:, as in \(command: "ic @bob handover: rollback running, DB team paged").")
        }
        return .handover(person, note: note)
    }

    /// `09:42` or `2026-11-24 09:42`.
    static func parseImpactStart(_ arguments: inout Arguments) throws(CommandError) -> Command {
        let hint = "write the time on the policy's clock, as 09:42 or 2026-11-24 09:42"
        guard let first = arguments.next() else {
            throw CommandError(.missingArgument, "Say when the impact started; \(hint).", position: arguments.endOffset)
        }
        var day: CivilTime?
        var timeToken = first
        if let date = CivilTime(isoDay: first.text) {
            day = date
            guard let next = arguments.next() else {
                throw CommandError(.missingArgument, "Say the time of day too; \(hint).", position: arguments.endOffset)
            }
            timeToken = next
        }
        guard let time = ImpactStart.timeOfDay(timeToken.text) else {
            throw CommandError(.invalidArgument, "“\(timeToken.text.clipped)” is not a time; \(hint).", position: timeToken.offset)
        }
        return try arguments.finish(.impactStarted(ImpactStart(day: day, hour: time.hour, minute: time.minute)))
    }

    /// Nothing, or `--force <why>` (an admin closing with open action items).
    static func parseClose(_ arguments: inout Arguments) throws(CommandError) -> Command {
        var afterOption = arguments
        guard DashedOption.take(from: &afterOption, known: ["force"])?.text.lowercased() == "--force" else {
            return try arguments.finish(.close)
        }
        arguments = afterOption
        try arguments.refuseReferenceAsReason { "incident close \($0) --force …" }
        guard let reason = try arguments.restAsText() else {
            throw CommandError(.missingArgument, "Say why it closes with open action items, as in \(command: "incident close --force tracked in JIRA-123").",
                               position: arguments.endOffset)
        }
        return .forceClose(reason: reason)
    }

    /// A link, or `off`. Slack sends a link typed in a message as `<https://...>` or
    /// `<https://...|label>`: the address inside is the link.
    static func parseCall(_ arguments: inout Arguments) throws(CommandError) -> Command {
        guard let token = arguments.next() else {
            throw CommandError(.missingArgument, "Give the call's link (https://...), or off to remove it.", position: arguments.endOffset)
        }
        var text = Substring(token.text)
        if text.hasPrefix("<"), text.hasSuffix(">") { text = text.dropFirst().dropLast().prefix { $0 != "|" } }
        // Slack sends a typed link's `&` as `&amp;`: the link must be the one typed.
        text = Substring(FreeText.readable(String(text)))
        let command: Command
        if text.lowercased() == "off" {
            command = .call(nil)
        } else if let link = CallLink(String(text)) {
            command = .call(link)
        } else if BroadcastMentions.neutralize(String(text)) != String(text) {
            throw CommandError(.invalidArgument,
                               "“\(token.text.clipped)” is not a call link here: it holds @room, @channel, @here or @everyone, "
                                   + "which would ping everyone where it is posted.",
                               position: token.offset)
        } else if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .format }) {
            // Shown without it, the link read as a valid one refused.
            throw CommandError(.invalidArgument,
                               "“\(token.text.clipped)” is not a call link: it holds an invisible character (a direction mark, joiner or "
                                   + "override) that can hide where it goes; type the link again.",
                               position: token.offset)
        } else {
            throw CommandError(.invalidArgument,
                               "“\(token.text.clipped)” is not a call link: an http or https link of at most \(CallLink.maxLength) characters, or off.",
                               position: token.offset)
        }
        return try arguments.finish(command)
    }

    static func parseRole(_ arguments: inout Arguments) throws(CommandError) -> Command {
        guard let token = arguments.next() else {
            throw CommandError(.missingArgument, "Say which role: comms, scribe or lead.", position: arguments.endOffset)
        }
        let role: Role
        switch token.text.lowercased() {
        case "ic", "commander", "incident-commander": role = .commander
        case "comms", "communications", "comm": role = .comms
        case "scribe", "notes": role = .scribe
        case "lead", "tech-lead", "techlead", "technical-lead": role = .lead
        default:
            throw CommandError(.invalidArgument,
                               "“\(token.text.clipped)” is not a role; use comms, scribe or lead (or \(command: "ic") for the commander).",
                               position: token.offset)
        }
        // `/role ic` is `/ic`, handover note and all.
        if role == .commander { return try parseCommander(&arguments) }
        // Nobody holds it now: a comms lead gone off shift was named in every nudge until
        // someone else took the role. (`@none` is someone's name.)
        if let word = arguments.peek(), ["none", "nobody", "off"].contains(word.text.lowercased()) {
            _ = arguments.next()
            return try arguments.finish(.role(role, nil))
        }
        let person = try arguments.takePerson(for: "who takes the role")
        return .role(role, person)
    }

    static func parseHelpTopic(_ arguments: inout Arguments) throws(CommandError) -> String? {
        guard let first = arguments.next() else { return nil }
        var words = first.text
        if let second = arguments.next() { words += " " + second.text }
        guard arguments.peek() == nil else {
            throw CommandError(.unexpectedArgument, "Ask for help on one command at a time.", position: arguments.peek()!.offset)
        }
        // `help sev`, `help /sev`, `help resolve` (an `/incident` word), and `help incident sev`
        // (`/incident sev` is `/sev`).
        let bare = String(words.drop(while: { $0 == "/" || $0 == "!" }))
        let underIncident = bare.lowercased().hasPrefix("incident ") ? CommandName(lookingUp: String(bare.dropFirst("incident ".count))) : nil
        guard let name = CommandName(lookingUp: words) ?? CommandName(lookingUp: "incident " + bare) ?? underIncident else {
            throw CommandError(.invalidArgument, "There is no command “\(words.clipped)”.", position: first.offset)
        }
        return name.rawValue
    }
}

extension String {
    /// The text cut to 40 characters for quoting back in an error.
    var clipped: String {
        let cleaned = String(unicodeScalars.filter { !$0.properties.generalCategory.isControl }.map(Character.init))
        return FreeText.clipped(cleaned, to: 41)
    }
}

extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format || self == .lineSeparator || self == .paragraphSeparator }
}
