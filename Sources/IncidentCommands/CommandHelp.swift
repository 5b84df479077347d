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
            message.line(BotText.command(typed: entry.syntax[0]).spans + BotText.prose(" — " + entry.summary).spans)
        }
        message.line(.text("Type "), .command("incident help <command>"), .text(" for one command in detail."))
        return message
    }

    static func detail(_ entry: CommandManual.Entry) -> Message {
        var message = Message(lines: entry.syntax.map { BotText.command(typed: $0).spans })
        // Its prose names commands in backticks, shown as this platform types them.
        message.line(BotText.prose(entry.summary).spans)
        for paragraph in entry.whatItDoes { message.line(BotText.prose(paragraph).spans) }
        message.line([.strong("Who may use it: ")] + BotText.prose(entry.whoMayUse).spans)
        // Shown as this platform types them: `!sev` and `/sev` are one example.
        var shown: [BotText] = []
        for example in entry.examples where shown.count < 4 {
            let typed = BotText.command(typed: example)
            if !shown.contains(typed) { shown.append(typed) }
        }
        if !shown.isEmpty {
            message.line(.strong("Examples:"))
            for typed in shown { message.line([.text("  ")] + typed.spans) }
        }
        return message
    }

    /// The short cheat sheet for the kickoff message.
    public static let cheatSheet: [CommandName] = [.update, .ic, .sev, .ack, .note, .escalation, .mitigated, .resolve]
}
