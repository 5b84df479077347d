import IncidentCore

/// Why a command cannot be carried out on an incident, in one line for the responder.
/// Nothing changes when one is thrown.
public struct IncidentError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The person may not do this (the message says who may).
        case notAllowed
        /// The incident's phase does not allow it (resolving a closed incident).
        case wrongPhase
        /// It would change nothing (`/sev P1` on a P1).
        case noChange
        /// A person or thing the command named is unknown.
        case unknown
        /// The command does not change an incident (a query, or a declaration): the engine
        /// answers it elsewhere. Refused rather than trapped, so a misrouted command cannot
        /// bring the bot down.
        case notAChange
    }

    public var kind: Kind
    public var message: BotText

    public init(_ kind: Kind, _ message: BotText) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message.description }
}
