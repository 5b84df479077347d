import IncidentCore

extension CommandParser {
    static let updateLabels = ["status", "impact", "next", "eta"]

    /// Free text, then optional `status:`, `impact:`, `next:`, `eta:` fields in any order, each
    /// running to the next label. A label counts only at the start of a word.
    static func parseUpdate(_ arguments: inout Arguments) throws(CommandError) -> StatusUpdate {
        let text = try arguments.restAsText(required: "the update, like \(command: "update Rolled back the deploy status: monitoring")")
        var sections: [(label: String?, start: String.Index)] = [(nil, text.startIndex)]
        var index = text.startIndex
        var atWordStart = true
        while index < text.endIndex {
            if atWordStart, let label = updateLabels.first(where: { text[index...].prefix(7).lowercased().hasPrefix($0 + ":") }) {
                let valueStart = text.index(index, offsetBy: label.count + 1)
                sections.append((label, index))
                sections[sections.count - 1].start = valueStart
                index = valueStart
                atWordStart = false
                continue
            }
            atWordStart = text[index].isWhitespaceFast
            index = text.index(after: index)
        }
        var update = StatusUpdate(text: "")
        var seen: Set<String> = []
        for (position, section) in sections.enumerated() {
            let end: String.Index
            if position + 1 < sections.count {
                let next = sections[position + 1]
                end = text.index(next.start, offsetBy: -(next.label!.count + 1))
            } else {
                end = text.endIndex
            }
            // Each part cleaned on its own: `status: <ZWJ>` is a field with nothing to see, and
            // was taken, blanking the topic's status, as the whole line had words to see.
            let value = FreeText.clean(String(text[section.start..<end]))
            guard let label = section.label else {
                update.text = value
                continue
            }
            guard seen.insert(label).inserted else {
                throw CommandError(.invalidArgument, "\(label): is given twice.")
            }
            guard !value.isEmpty else {
                throw CommandError(.missingArgument, "\(label): is empty; write something after it or leave it out.")
            }
            switch label {
            case "status": update.status = FreeText.oneLine(value)
            case "impact": update.impact = value
            case "next": update.next = value
            default: update.eta = FreeText.oneLine(value)
            }
        }
        return update
    }
}
