import IncidentCommands
import IncidentCore

/// A message of the incident's room that someone marked for the timeline: shown there with
/// its own time and author for as long as one mark stays.
public struct PinnedMessage: Hashable, Sendable, Codable {
    /// The platform's id of the message (Slack's `ts`, Matrix's event id).
    public var messageID: String
    public var author: PersonID
    public var text: String
    /// When it was posted, not when it was pinned.
    public var postedAt: Timestamp
    /// Who marked it and how; the message leaves the timeline when the last is taken back.
    public var marks: [PinMark]

    /// Longest text kept, in characters; the rest is cut with "…".
    public static let maxText = 2_000
    /// Most messages one incident keeps pinned; marks past it are not taken.
    public static let maxPerIncident = 300

    /// `text` is cleaned as typed text is (`FreeText.clean`): a message anyone in the room
    /// posted, pinned by someone who could not see its control or bidirectional characters,
    /// must not carry them into the export an operator reads in a terminal.
    public init(messageID: String, author: PersonID, text: String, postedAt: Timestamp, marks: [PinMark]) {
        self.messageID = messageID
        self.author = author
        let text = FreeText.clean(text)
        self.text = FreeText.clipped(text, to: Self.maxText)
        self.postedAt = postedAt
        self.marks = marks
    }

    /// The message as a timeline entry.
    public var entry: TimelineEntry { TimelineEntry(at: postedAt, author: author, kind: .pinned, text: "📌 " + text) }
}

/// One person's mark on a pinned message.
public struct PinMark: Hashable, Sendable, Codable {
    public var by: PersonID
    public var how: PinHow
    /// The mark's own id where the platform takes it back by id (a Matrix reaction).
    public var id: String?

    public init(by: PersonID, how: PinHow, id: String?) {
        self.by = by
        self.how = how
        self.id = id
    }
}

extension Incident {
    /// The pinned messages; none when nil.
    public var pinnedMessages: [PinnedMessage] { pins ?? [] }

    /// The record's `timeline` with the pinned messages among its entries, in time order (a
    /// pinned message after the entries of the same instant).
    public func timeline(merging timeline: [TimelineEntry]) -> [TimelineEntry] {
        let pinned = pinnedMessages.map(\.entry).sorted { $0.at < $1.at }
        guard !pinned.isEmpty else { return timeline }
        var merged: [TimelineEntry] = []
        merged.reserveCapacity(timeline.count + pinned.count)
        var next = pinned.startIndex
        for entry in timeline {
            while next < pinned.endIndex, pinned[next].at < entry.at {
                merged.append(pinned[next])
                next += 1
            }
            merged.append(entry)
        }
        return merged + pinned[next...]
    }
}
