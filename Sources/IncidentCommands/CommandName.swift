import IncidentCore

/// Every chat command, by the name the manual and `/incident help` use.
public enum CommandName: String, CaseIterable, Hashable, Sendable {
    case declare = "incident declare"
    case status = "incident status"
    case list = "incident list"
    case mitigated = "incident mitigated"
    case resolve = "incident resolve"
    case close = "incident close"
    case postmortem = "incident postmortem"
    case escalation = "incident escalation"
    case help = "incident help"
    case snooze = "incident snooze"
    case call = "incident call"
    case started = "incident started"
    case makePrivate = "incident private"
    case makePublic = "incident public"
    case sev
    case ic
    case role
    case update
    case ack
    case note
    case action

    /// Whether the command may name an incident (`/sev INC-42 P1`) after its command word.
    var namesAnIncident: Bool { self != .declare && self != .list && self != .help && self != .action }

    /// The `/incident` subcommand word, or nil for a top-level command.
    var subcommand: String? {
        rawValue.hasPrefix("incident ") ? String(rawValue.dropFirst("incident ".count)) : nil
    }

    /// Finds a command by what a responder typed after the prefix: `sev`, `incident declare`,
    /// `declare`, `/ack`, `!note`.
    public init?(lookingUp text: String) {
        // Read as it is seen, as an option is: `!ack` with a zero-width space after it is `!ack`.
        var word = FreeText.visible(text).lowercased().trimmingWhitespace()
        if word.hasPrefix("/") || word.hasPrefix("!") { word.removeFirst() }
        if let exact = CommandName(rawValue: word) {
            self = exact
        } else if let sub = CommandName.allCases.first(where: { $0.subcommand == word }) {
            self = sub
        } else {
            return nil
        }
    }

    /// The usage line(s) from the command manual.
    public var usage: BotText {
        CommandManual.entry(self).syntax.map(BotText.command(typed:)).reduce(BotText([])) { $0.spans.isEmpty ? $1 : $0 + ", or " + $1 }
    }

    /// The command's file in `commands/`.
    public var manualFileName: String { rawValue.replacing(" ", with: "-") + ".md" }
}
