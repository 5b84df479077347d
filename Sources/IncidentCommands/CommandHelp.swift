import IncidentCore

/// `/incident help`, rendered from the command manual.
public enum CommandHelp {
    /// Every command's usage line with its summary; or one command in detail when `topic`
    /// names one (`sev`, `incident declare`).
    public static func message(topic: String?) -> Message {
        if let topic, let name = CommandName(lookingUp: topic) {
            return detail(CommandManual.entry(name))
        }
        var message = Message(.strong("incident-bot commands"))
        for entry in CommandManual.entries {
            message.line(.code(entry.syntax[0]), .text(" — " + entry.summary))
        }
        message.line(.text("Type "), .code("/incident help <command>"), .text(" for one command in detail. In Matrix, start commands with ! instead of /."))
        return message
    }

    static func detail(_ entry: CommandManual.Entry) -> Message {
        var message = Message(lines: entry.syntax.map { [.code($0)] })
        message.line(.text(entry.summary))
        message.line(.strong("Who may use it: "), .text(entry.whoMayUse))
        if !entry.examples.isEmpty {
            message.line(.strong("Examples:"))
            for example in entry.examples.prefix(4) { message.line(.text("  "), .code(example)) }
        }
        return message
    }

    /// The short cheat sheet for the kickoff message.
    public static let cheatSheet: [CommandName] = [.update, .ic, .sev, .ack, .note, .escalation, .mitigated, .resolve]
}
