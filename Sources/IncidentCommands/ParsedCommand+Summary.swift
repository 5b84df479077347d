import IncidentCore

extension ParsedCommand {
    /// A canonical one-line description of what was parsed, as the examples in `commands/`
    /// write it: `sev P0 reason="checkout is down"`, `ic @alice incident=INC-42`.
    public var summary: String {
        var words = command.summaryWords
        if let target { words.append("incident=\(target)") }
        return words.joined(separator: " ")
    }
}

extension Command {
    var summaryWords: [String] {
        switch self {
        case .declare(let d):
            return ["declare", "title=" + quoted(d.title)]
                + (d.severity.map { ["sev=\($0)"] } ?? [])
                + (d.commander.map { ["ic=" + $0.summary] } ?? [])
                + (d.isPrivate ? ["private"] : [])
        case .status: return ["status"]
        case .list: return ["list"]
        case .mitigated: return ["mitigated"]
        case .resolve(let summary): return ["resolve"] + (summary.map { ["summary=" + quoted($0)] } ?? [])
        case .close: return ["close"]
        case .postmortem: return ["postmortem"]
        case .escalation: return ["escalation"]
        case .help(let topic): return ["help"] + (topic.map { ["topic=" + quoted($0)] } ?? [])
        case .severity(let severity, let reason):
            return ["sev", severity.rawValue] + (reason.map { ["reason=" + quoted($0)] } ?? [])
        case .commander(let person): return ["ic", person.summary]
        case .handover(let person, let note): return ["ic", person.summary, "handover=" + quoted(note)]
        case .role(let role, let person): return ["role", role.rawValue, person?.summary ?? "none"]
        case .update(let update):
            return ["update"] + (update.text.isEmpty ? [] : ["text=" + quoted(update.text)])
                + update.fields.map { "\($0.label)=" + quoted($0.value) }
        case .ack: return ["ack"]
        case .note(let text): return ["note", "text=" + quoted(text)]
        case .snooze(let duration): return ["snooze", duration.map(DurationText.format) ?? "off"]
        case .call(let link): return ["call", link?.url ?? "off"]
        case .forceClose(let reason): return ["close", "force=" + quoted(reason)]
        case .impactStarted(let start): return ["started", quoted(start.description)]
        case .action(let request):
            return ["action", request.owner.summary, "text=" + quoted(request.text)] + (request.due.map { ["due=\($0)"] } ?? [])
        case .actionDone(let number): return ["action", "done", "A\(number)"]
        case .makePrivate: return ["private"]
        case .makePublic: return ["public"]
        case .pin(let change):
            switch change {
            case .mark(let post, let how, _): return ["pin", how.rawValue, post.messageID]
            case .unmark(let messageID, let how): return ["unpin", how.rawValue, messageID]
            case .unmarkByID(let id): return ["unpin", id]
            }
        case .actionList(let filter):
            return ["action", "list"] + (filter == .incident ? [] : [filter == .mine ? "mine" : "overdue"])
        }
    }

    private func quoted(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }
}

extension PersonRef {
    /// `@alice`, `slack:U0123ABC`, `matrix:@alice:example.org`.
    var summary: String {
        switch self {
        case .slack(let id, _): "slack:" + id
        case .matrix(let id): "matrix:" + id
        case .handle(let name): "@" + name
        }
    }
}
