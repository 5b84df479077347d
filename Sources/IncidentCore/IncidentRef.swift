/// How a command names an incident outside its room: `INC-42` or `#incident-20261122-db-outage`.
public enum IncidentRef: Hashable, Sendable, Codable, CustomStringConvertible {
    case number(Int)
    case room(String)

    public var description: String {
        switch self {
        case .number(let n): "INC-\(n)"
        case .room(let name): "#" + name
        }
    }

    /// What a command's first word after the command is, as a reference.
    public enum Reading: Equatable, Sendable {
        /// It names an incident.
        case ref(IncidentRef)
        /// It is meant as one but names none: `INC-0`, `INC-1x`, `<#C0123|>`.
        case malformed(Malformed)
        /// It is the start of the command's text.
        case notAReference
    }

    /// What a word meant as a reference got wrong.
    public enum Malformed: Equatable, Sendable {
        /// `INC-` and no number from 1 to 999,999,999.
        case number
        /// A Slack channel link without an incident room's name (`<#C0123|>`, `<#C0123|ops>`).
        case unnamedChannel
        /// A reference in brackets, quotes or chat markup (`[INC-1]`, `*INC-1*`, `"INC-1"`):
        /// meant as one, and not read as one, so the command's own incident is not acted on.
        case marked
    }

    /// The marks a reference is wrapped in as tickets and chat markup write one.
    static let wrappings: [(Character, Character)] = [("[", "]"), ("(", ")"), ("*", "*"), ("_", "_"), ("~", "~"), ("`", "`"),
                                                      ("\"", "\""), ("'", "'"), ("“", "”"), ("‘", "’"), ("<", ">")]

    /// Reads `INC-42` (any case), `#incident-...`, a bare `incident-YYYYMMDD-...`, Slack's
    /// `<#C0123|incident-...>` or a `https://matrix.to/#/#incident-...` link, with a trailing
    /// `:`, `,`, `.` or `;` as typed before the rest (`/incident resolve INC-2: duplicate`).
    /// `INC-` with no number from 1, or a number run into anything (`INC-0`, `INC--1`, `INC-1x`,
    /// `INC-2!`) is `malformed`, never text: read as text, it acted on the room's incident. A
    /// possessive or a closing parenthesis starts the text (`INC-2's rollback`, `INC-2)`), as
    /// does a bare `incident-` word without the day's date (`incident-free since 10:40`).
    /// A reference wrapped in brackets, quotes or markup (`[INC-1]`, `*INC-1*`) is `marked`;
    /// the number run into the letters or written alone (`INC1`, `#1`, `INC` before `1`) is
    /// `malformed` too: each was read as text, and resolved the room's own incident.
    public static func read(_ token: String) -> Reading {
        read(token, unwrapping: true)
    }

    /// `unwrapping`: whether marks around the word are looked through (once: a word of a
    /// thousand brackets is not read a thousand times over).
    static func read(_ token: String, unwrapping: Bool) -> Reading {
        var lowered = Substring(token.lowercased())
        while let last = lowered.last, ":,.;".contains(last) { lowered = lowered.dropLast() }
        var inner = lowered
        var marked = false
        while unwrapping, !inner.dropFirst().dropLast().isEmpty, !inner.hasPrefix("<#"),
              wrappings.contains(where: { inner.first == $0.0 && inner.last == $0.1 }) {
            inner = inner.dropFirst().dropLast()
            marked = true
        }
        if marked {
            return read(String(inner), unwrapping: false) == .notAReference ? .notAReference : .malformed(.marked)
        }
        let numberAlone = lowered.hasPrefix("#") ? lowered.dropFirst() : lowered.hasPrefix("inc") ? lowered.dropFirst(3) : nil
        if lowered == "inc" || numberAlone.map({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) == true {
            return .malformed(.number)
        }
        if lowered.hasPrefix("inc-") {
            let rest = lowered.dropFirst(4)
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            let after = rest.dropFirst(digits.count)
            // `INC-2's`, `INC-2’s`, `INC-2)`: text about INC-2. Any other mark after the number
            // (`INC-2!`, `INC-2-`) is a typo of a reference, refused.
            if !digits.isEmpty, after.hasPrefix("'s") || after.hasPrefix("’s") || after.hasPrefix(")") { return .notAReference }
            guard !digits.isEmpty, after.isEmpty, let n = Int(digits), n > 0, n < 1_000_000_000 else { return .malformed(.number) }
            return .ref(.number(n))
        }
        var name = lowered
        var linked = false
        for link in ["https://matrix.to/#/", "http://matrix.to/#/"] where name.hasPrefix(link) {
            // The bot's own room links encode the alias's `#` and `:` (RoomLinks); a room name
            // has no other character to decode.
            var alias = name.dropFirst(link.count)
            if alias.hasPrefix("%23") { alias = "#" + alias.dropFirst(3) }
            if let server = alias.firstRange(of: "%3a") { alias = alias[..<server.lowerBound] }
            name = alias
        }
        if name.hasPrefix("<#"), name.hasSuffix(">") {
            // Slack leaves the label out (`<#C0123|>`) when it does not show the channel's name
            // (a private channel), and a channel renamed from its incident's name
            // (`<#C0123|db-war-room>`) names no incident: either way the link is plainly meant
            // as one, and which incident cannot be told from it.
            guard let bar = name.firstIndex(of: "|"), name.index(after: bar) < name.index(before: name.endIndex) else {
                return .malformed(.unnamedChannel)
            }
            let label = name[name.index(after: bar)..<name.index(before: name.endIndex)]
            guard label.hasPrefix(RoomName.prefix), RoomName.isValid(String(label)) else { return .malformed(.unnamedChannel) }
            name = label
            linked = true
        }
        if name.hasPrefix("#") {
            name = name.dropFirst()
            linked = true
        }
        if let colon = name.firstIndex(of: ":") { name = name[..<colon] } // Matrix alias server part
        guard name.hasPrefix(RoomName.prefix), linked || RoomName.hasDayPrefix(name), RoomName.isValid(String(name)) else {
            return .notAReference
        }
        return .ref(.room(String(name)))
    }

    /// A reference in `token`, or nil (for a value that is one or nothing, as a button's).
    public init?(parsing token: String) {
        guard case .ref(let ref) = Self.read(token) else { return nil }
        self = ref
    }
}
