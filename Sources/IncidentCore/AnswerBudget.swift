/// How much of a chat answer that lists things (the open incidents, action items, a draft's
/// timeline) is listed: what fits in about 7,000 characters of plain text. Slack shows 11,000
/// UTF-16 units of a message, after its escapes (`&amp;`) and mention tags (`<@U0123ABCD>`);
/// past that it cut the answer's end, and with it the line that says how many more there are
/// and where to find them. So a list stops where the budget does and counts the rest.
public enum AnswerBudget {
    public static let characters = 7_000
    /// What a mention is counted as: Slack's tag, longer than most handles.
    static let mention = 12

    /// How many of `lines`, from the first, fit in `budget` characters: at least one.
    public static func fitting(_ lines: some Sequence<[Span]>, budget: Int = characters) -> Int {
        var used = 0
        var count = 0
        for line in lines {
            used += width(line) + 1
            if used > budget, count > 0 { break }
            count += 1
        }
        return count
    }

    /// A line's plain text, counted as Slack counts it: in UTF-16 units, with its escapes
    /// (`&` is `&amp;`, `<` and `>` are `&lt;` and `&gt;`), a mention as its tag.
    public static func width(_ line: [Span]) -> Int {
        line.reduce(0) { total, span in
            if case .mention(let person) = span { return total + max(mention, person.handle.utf16.count) }
            return total + span.plainText(name: \.handle).utf16.reduce(0) { width, unit in
                width + (unit == 0x26 ? 5 : unit == 0x3C || unit == 0x3E ? 4 : 1)
            }
        }
    }
}
