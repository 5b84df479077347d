import IncidentCore

extension CommandParser {
    /// `/action [INC-N] @owner <text> [due: <day or duration>]`, `/action done [INC-N] <A-number>`,
    /// `/action list [INC-N | --mine | --overdue]`.
    /// `named`: the incident named first, as every other command names it (`/action INC-1 done
    /// A2`), before `done` or `list`; it was read as an item for an owner called "done".
    static func parseAction(_ arguments: inout Arguments, named: IncidentRef? = nil) throws(CommandError) -> ParsedCommand {
        func namedHere() throws(CommandError) -> IncidentRef? { if let named { named } else { try arguments.takeIncidentRef() } }
        switch arguments.peek()?.text.lowercased() {
        case "done":
            arguments.next()
            let target = try namedHere()
            guard let token = arguments.next() else {
                throw CommandError(.missingArgument, "Say which action item, as in A2.", position: arguments.endOffset)
            }
            let digits = token.text.hasPrefix("A") || token.text.hasPrefix("a") ? token.text.dropFirst() : Substring(token.text)
            guard let number = Int(digits), number > 0, digits.allSatisfy(\.isASCII) else {
                throw CommandError(.invalidArgument, "“\(token.text.clipped)” is not an action item; they are numbered A1, A2, ...",
                                   position: token.offset)
            }
            return ParsedCommand(try arguments.finish(.actionDone(number)), target: target)
        case "list":
            arguments.next()
            let target = try namedHere()
            if let target { return ParsedCommand(try arguments.finish(.actionList(.incident)), target: target) }
            guard let token = arguments.next() else { return ParsedCommand(.actionList(.incident)) }
            let filter: ActionListFilter
            switch (DashedOption.spelled(token.text, known: ["mine", "overdue"]) ?? token.text).lowercased() {
            case "--mine", "mine": filter = .mine
            case "--overdue", "overdue": filter = .overdue
            default:
                throw CommandError(.invalidArgument, "“\(token.text.clipped)” is not a list; use INC-N, --mine or --overdue.",
                                   position: token.offset)
            }
            return ParsedCommand(try arguments.finish(.actionList(filter)), target: nil)
        default:
            let target = try namedHere()
            if named == nil, target != nil, let next = arguments.peek()?.text.lowercased(), next == "done" || next == "list" {
                return try parseAction(&arguments, named: target)
            }
            let owner = try arguments.takeMention(for: "who owns the action item")
            let rest = try arguments.restAsText(required: "what is to be done, as in \(command: "action @alice Add an alert on queue depth due: 3d")")
            var text = rest
            var due: ActionDue?
            if let label = labelStart(of: "due:", in: rest) {
                let value = rest[rest.index(label, offsetBy: 4)...].trimmingWhitespace()
                guard let parsed = ActionDue(parsing: value) else {
                    let hours = DurationText.parse(value).map { _ in " (an item is due on a day: days, weeks or hours, not minutes)" } ?? ""
                    throw CommandError(.invalidArgument,
                                       "“\(value.clipped)” is not a due day\(hours); write 2026-12-05, 3d, 2w, today or tomorrow.")
                }
                due = parsed
                text = rest[..<label].trimmingWhitespace()
                // Two due days (`due: 2026-12-01 due: 3d`): the last was taken and the first left
                // in the item's text. A `due:` before it that names no day is the text's own.
                if let earlier = labelStart(of: "due:", in: text),
                   let first = text[text.index(earlier, offsetBy: 4)...].split(whereSeparator: \.isWhitespace).first,
                   ActionDue(parsing: String(first)) != nil {
                    throw CommandError(.invalidArgument, "“\(String(first).clipped)” and “\(value.clipped)” are two due days; give one.")
                }
            }
            guard !text.isEmpty else {
                throw CommandError(.missingArgument, "Say what is to be done before due:.")
            }
            return ParsedCommand(.action(ActionRequest(owner: owner, text: FreeText.oneLine(text), due: due)), target: target)
        }
    }

    /// Where `label` starts a word in `text` (the last such place), ignoring case.
    static func labelStart(of label: String, in text: String) -> String.Index? {
        var found: String.Index?
        var index = text.startIndex
        var atWordStart = true
        while index < text.endIndex {
            if atWordStart, text[index...].prefix(label.count).lowercased() == label { found = index }
            atWordStart = text[index].isWhitespaceFast
            index = text.index(after: index)
        }
        return found
    }
}
