import IncidentCore
import IncidentEngine
import IncidentPolicy

/// What `incident-bot check-config` prints: the policy in force and who fills each ladder
/// level at `now` (a rotation shows whose turn it is and until when).
public enum EffectivePolicy {
    public static func text(_ loaded: LoadedConfig, now: Timestamp) -> String {
        let policy = loaded.policy
        let roster = loaded.roster
        let zone = policy.timeZone
        var lines = [
            "config \(loaded.config.file): ok",
            "policy \(loaded.config.policyPath): time zone \(zone), default severity \(policy.defaultSeverity), "
                + "a missed update steps the ladder after \(policy.escalateAfterMissed) in a row",
        ]
        for severity in Severity.allCases {
            let rules = policy[severity]
            var parts = ["updates " + (rules.updateEvery.map { "every \(DurationText.format($0))" } ?? "as needed")]
            if !rules.nudge.isEmpty { parts.append("nudges " + rules.nudge.map(\.rawValue).joined(separator: ", ")) }
            if !rules.pageAtOnce.isEmpty { parts.append("pages at once " + rules.pageAtOnce.map(\.description).joined(separator: ", ")) }
            parts.append("post-mortem " + (rules.postmortemDue.map { "due \(DurationText.format($0)) after resolution" } ?? "not required"))
            lines.append("  \(severity): " + parts.joined(separator: "; "))
        }
        lines += policy.escalationTable
        let example = loaded.rosterIsExample ? " (the example roster: no roster is configured)" : ""
        lines.append("roster \(loaded.rosterPath)\(example): \(roster.people.count) people, admins "
                     + (roster.admins.isEmpty ? "none" : roster.admins.sorted().map { "\($0.handle)" }.joined(separator: ", ")))
        lines.append("on duty at \(zone.dateTime(now)):")
        // As `serve` would run it. With no chat platform enabled, the console stands for them
        // all (it rehearses chat at its terminal), and the pagers are still only those enabled.
        let enabled = loaded.config.enabledPlatforms
        let reaching = Directory(roster: roster, platforms: enabled.isEmpty ? Set(Platform.allCases.filter { $0 != .console }) : Set(enabled),
                                 pagers: loaded.config.paging.methods)
        let served = enabled.isEmpty ? nil : reaching
        for ladder in policy.ladders {
            lines.append("  \(ladder.id): stops on \(ladder.stopOn.map(\.rawValue).sorted().joined(separator: ", "))")
            for (index, level) in ladder.levels.enumerated() {
                let ref = ladder.reference(index)
                let who = roster.onDuty(ref, at: now).map { "\($0.handle)" } ?? "nobody"
                var rotation = ""
                if case .rotation(let name) = roster.levels[ref], let turns = roster.rotations[name] {
                    // The turn's end as the bot hands over: at the handover's wall-clock time.
                    let until = turns.onDuty(at: now).flatMap { turns.nextHandover(after: now, from: $0) }
                    rotation = " (rotation \(name)" + (until.map { ", until \(zone.dateTime($0))" } ?? "") + ")"
                }
                lines.append("    \(level.id) \(level.role): \(who)\(rotation)" + methodsNote(level, ref, roster: roster, at: now, reaching: reaching))
            }
        }
        lines += PolicyGaps.warnings(policy).map { "warning: " + $0 }
        if let directory = served {
            lines += UnreachableLevels.warnings(directory).map { "warning: " + $0 }
            // PagerDuty's webhook secret is read from the environment by `serve` alone: taken here
            // to be set, so no warning is made up.
            let answered = PagingSetup.answeredWhereTheyLand(publicURL: loaded.config.http.publicURL != nil, pagerDutyWebhook: true)
            lines += UnanswerablePages.warnings(directory, policy: policy, answeredWhereTheyLand: answered).map { "warning: " + $0 }
            lines += UnfollowedUpdates.warnings(directory, policy: policy).map { "warning: " + $0 }
        }
        // The console may run on the example roster; `serve` refuses to.
        if loaded.rosterIsExample {
            lines.append("warning: serve refuses to start without a roster: set roster: in \(loaded.config.file) "
                         + "(the console runs on the example one)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// When the person on duty has none of the methods the level asks for (a CTO paged "by
    /// phone" with no phone in the roster): they are paged down their own list instead,
    /// which the policy's reader would not guess. `reaching`: the methods this config enables,
    /// whose pages go by those only ("paged by matrix" with Matrix off contradicted the
    /// warning below that nothing reaches them; "paged by email" with mail off, on a config
    /// for the console alone, told of mail that would never be sent).
    static func methodsNote(_ level: Ladder.Level, _ ref: LevelRef, roster: Roster, at now: Timestamp, reaching: Directory) -> String {
        guard !level.methods.isEmpty, let person = roster.onDuty(ref, at: now), let listed = roster.people[person],
              !level.methods.contains(where: { listed.addresses[$0] != nil || roster.levelAddresses[ref]?[$0] != nil }) else { return "" }
        func words(_ methods: [ContactMethod]) -> String {
            var words: [String] = []
            for method in methods {
                let word = method == .voice || method == .sms ? "phone" : method.rawValue
                if !words.contains(word) { words.append(word) }
            }
            return words.joined(separator: " or ")
        }
        let paged = reaching.methods(for: Page(person: person, ladder: ref.ladder, level: ref.level, role: level.role, message: Message(.text(""))))
        guard !paged.isEmpty else { return " (the level asks for \(words(level.methods)); \(person.handle) has none, and nothing enabled here reaches them)" }
        return " (the level asks for \(words(level.methods)); \(person.handle) has none, and is paged by \(words(paged)))"
    }

    /// What `serve` would refuse in `environment` (this shell's, for `check-config`) before it
    /// opened anything, with the same checks serve makes: no chat platform enabled, a
    /// platform without what it needs (Slack's secrets, Matrix's homeserver and login), a
    /// pager without its secrets (SMTP login, PagerDuty routing keys, Twilio's token, the
    /// webhook's signing secret, the acknowledge-link secret). One warning a part; none when it
    /// would start. Nothing is written: a link secret serve would make is not made here.
    /// `tokenFile`, `linkSecretFile`: where a Matrix password login's token and the link
    /// secret would be kept (nil on PostgreSQL).
    public static func serveRefusals(_ loaded: LoadedConfig, environment: [String: String], tokenFile: String?,
                                     linkSecretFile: String?) -> [String] {
        var refusals: [String] = []
        func check(_ load: () throws -> Void) {
            do { try load() } catch { refusals.append("warning: serve would refuse to start with this environment: \(error)") }
        }
        let platforms = loaded.config.enabledPlatforms
        if platforms.isEmpty { check { throw StartupError.nothingToServe(loaded.config) } }
        if platforms.contains(.slack) { check { _ = try SlackSetup.load(loaded.config, environment: environment) } }
        if platforms.contains(.matrix) {
            // The token file only names where a password login's token would be kept; nothing is written.
            check { _ = try MatrixSetup.load(loaded.config.matrix, environment: environment, tokenFile: tokenFile) }
        }
        check { _ = try PagingSetup.load(loaded, environment: environment, linkSecretFile: linkSecretFile, makingLinkSecret: false) }
        return refusals
    }

}
