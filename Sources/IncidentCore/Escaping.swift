extension String {
    /// The text with each character that `table` names replaced by its entity (`&` -> `&amp;`);
    /// the text itself when it has none of them.
    public func escaping(_ table: [Character: String]) -> String {
        guard contains(where: { table[$0] != nil }) else { return self }
        var out = ""
        out.reserveCapacity(count + 8)
        for character in self {
            if let entity = table[character] { out += entity } else { out.append(character) }
        }
        return out
    }
}
