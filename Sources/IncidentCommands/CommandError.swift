import IncidentCore

/// Why a line of chat is not a valid command, in words a responder can act on.
public struct CommandError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The line does not start with `/` or `!`: chat, not a command. Adapters stay silent.
        case notACommand
        /// `/something` that is not one of ours. Adapters may stay silent where `/` is common.
        case unknownCommand
        case missingArgument
        case invalidArgument
        case unexpectedArgument
        case tooLong
    }

    public var kind: Kind
    /// One sentence: what was wrong.
    public var reason: BotText
    /// The command's usage line(s), when the command is known.
    public var usage: BotText?
    /// Character offset in the original text of what was wrong, when it is one place.
    public var position: Int?

    public init(_ kind: Kind, _ reason: BotText, usage: BotText? = nil, position: Int? = nil) {
        self.kind = kind
        self.reason = reason
        self.usage = usage
        self.position = position
    }

    /// The one line a responder sees: the reason, then the usage.
    public var text: BotText {
        guard let usage else { return reason }
        return reason + " Usage: " + usage
    }

    public var description: String { text.description }
}
