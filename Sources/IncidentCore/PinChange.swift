/// A message in an incident's room marked for the timeline, or unmarked: the scribe pins it
/// (Slack) or gives it the configured reaction (Slack and Matrix, 📌 by default), and the
/// message joins the record with its own time and author. Adapters make these from platform
/// events; nobody types them.
public enum PinChange: Hashable, Sendable, Codable {
    /// `post` was pinned or got the reaction. `markID` names the mark itself where the
    /// platform takes it back by that id alone (a Matrix reaction's event id, later redacted).
    case mark(PinnedPost, how: PinHow, markID: String?)
    /// The message was un-pinned (by anyone: a pin is the channel's), or the person removed
    /// their reaction, by the message's id.
    case unmark(messageID: String, how: PinHow)
    /// The event with this id was redacted (Matrix): a reaction that marked a message, or the
    /// marked message itself.
    case unmarkByID(String)
}

/// How a message was marked for the timeline.
public enum PinHow: String, Hashable, Sendable, Codable {
    /// Pinned (Slack's `pin_added`).
    case pin
    /// The configured reaction.
    case reaction
}

/// A message as the platform reports it: its id, its author's platform account, its text and
/// when it was posted.
public struct PinnedPost: Hashable, Sendable, Codable {
    /// The platform's id of the message: Slack's `ts`, Matrix's event id.
    public var messageID: String
    /// The platform's id of who wrote it (`U0ALICE01`, `@alice:example.org`).
    public var author: String
    public var text: String
    public var postedAt: Timestamp

    public init(messageID: String, author: String, text: String, postedAt: Timestamp) {
        self.messageID = messageID
        self.author = author
        self.text = text
        self.postedAt = postedAt
    }
}
