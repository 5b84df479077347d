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
        /// It is meant as one but names none: `INC-0`, `INC-1x`, `#incident-DB!`.
        case malformed(Malformed)
        /// It is the start of the command's text.
        case notAReference
    }

    /// What a word meant as a reference got wrong.
    public enum Malformed: Equatable, Sendable {
        /// `INC-` and no number from 1 to 999,999,999.
        case number
        /// `#incident-` and a name no room can have.
        case roomName
    }

    /// Reads `INC-42` (any case), `#incident-...`, a bare `incident-YYYYMMDD-...`, or Slack's
    /// `<#C0123|incident-...>`, with a trailing `:`, `,`, `.` or `;` as typed before the rest
    /// (`/incident resolve INC-2: duplicate`). A word shaped as a reference that names no
    /// incident is `malformed`, never text: read as text, it would act on the room's incident.
    /// A bare `incident-` word without the day's date is text (`incident-free since 10:40`).
    public static func read(_ token: String) -> Reading {
        var lowered = Substring(token.lowercased())
        while let last = lowered.last, ":,.;".contains(last) { lowered = lowered.dropLast() }
        if lowered.hasPrefix("inc-") {
            let digits = lowered.dropFirst(4)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(digits), n > 0,
                  n < 1_000_000_000 else {
                return .malformed(.number)
            }
            return .ref(.number(n))
        }
        var name = lowered
        var linked = false
        if name.hasPrefix("<#"), name.hasSuffix(">"), let bar = name.firstIndex(of: "|") {
            name = name[name.index(after: bar)..<name.index(before: name.endIndex)]
            linked = true
        }
        if name.hasPrefix("#") {
            name = name.dropFirst()
            linked = true
        }
        if let colon = name.firstIndex(of: ":") { name = name[..<colon] } // Matrix alias server part
        guard name.hasPrefix(RoomName.prefix) else { return .notAReference }
        guard linked || RoomName.hasDayPrefix(name) else { return .notAReference }
        guard RoomName.isValid(String(name)) else {
            return .malformed(.roomName)
        }
        return .ref(.room(String(name)))
    }

    /// A reference in `token`, or nil (for a value that is one or nothing, as a button's).
    public init?(parsing token: String) {
        guard case .ref(let ref) = Self.read(token) else { return nil }
        self = ref
    }
}
