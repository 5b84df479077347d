/// One line of an incident's record. The timeline is append-only; durations and reports
/// are computed from it.
public struct TimelineEntry: Hashable, Sendable, Codable {
    public var at: Timestamp
    /// Who did it; nil when the bot did it on its own (pages, nudges, reminders).
    public var author: PersonID?
    public var kind: Kind
    public var text: String

    public init(at: Timestamp, author: PersonID?, kind: Kind, text: String) {
        self.at = at
        self.author = author
        self.kind = kind
        self.text = text
    }

    /// The bot's entry (a `statusUpdate` with no author) when a responder's update sets a
    /// mitigated incident back to investigating: the measures count the mitigation after it.
    public static let mitigationNotHeld = "Back to investigating: the mitigation did not hold."

    /// Whether this is that entry.
    public var isMitigationNotHeld: Bool { kind == .statusUpdate && author == nil && text == Self.mitigationNotHeld }

    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case declared
        case severityChanged
        case roleAssigned
        case acknowledged
        case statusUpdate
        case note
        case mitigated
        case resolved
        case closed
        case paged
        case nudged
        case updateMissed
        case ladderStopped
        case postmortemReminder
        /// Status-update nudges snoozed by the IC, or the snooze ended early.
        case snoozed
        /// The incident's call link was set, changed or removed.
        case call
        /// An action item was added, done, reminded of or dropped.
        case actionItem
        /// A response target is close to running out, or ran out.
        case target
        /// Someone said when the impact began.
        case impactStarted
        /// A message for the incident could not be delivered and was given up (a dead letter).
        case undelivered
        /// The incident was made private, or public again.
        case privacy
        /// A status update from someone who is not one of the incident's responders: posted,
        /// but it does not restart the update timer, so it meets no deadline either.
        case bystanderUpdate
        /// A message of the incident's room, pinned for the timeline: kept in the incident's
        /// record (`Incident.pins`, not appended here) and shown among the entries at the time
        /// it was posted.
        case pinned
    }
}
