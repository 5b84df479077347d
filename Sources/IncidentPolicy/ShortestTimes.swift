/// The shortest times a policy may give, each with why, as `ConfigNode.duration(atLeast:)`
/// takes them: a duration in seconds where minutes or hours were meant (`15s` for `15m`)
/// must be refused, not run. A status-update cadence of `1s` paged the team lead two seconds
/// after a declaration and the VP a second later, and nudged the room every second.
public enum ShortestTimes {
    /// `update_every`: each update missed steps the ladder up.
    public static let updateCadence: (least: Duration, why: String) = (.minutes(1), ": each update missed pages further up the ladder")
    /// Between two levels of a severity's `escalation: levels:` (the first is at 0m): as a
    /// level's own wait (`Ladder.shortestWait`), or a slip pages the whole ladder at once,
    /// which `page_at_once` is for.
    public static let levelGap: (least: Duration, why: String) = (.minutes(1), ", as a level's own wait must be")
    /// A response target (`targets:`): a time to respond in.
    public static let target: (least: Duration, why: String) = (.minutes(1), ": it is a time to respond in")
    /// `postmortem_reminder_every`: it mentions the IC in the room each time, for a
    /// post-mortem due in days.
    public static let postmortemReminder: (least: Duration, why: String) = (.hours(1), ": each reminder mentions the IC in the room")
}
