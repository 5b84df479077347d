import IncidentCore
import IncidentEngine
import IncidentPolicy

/// The ladder levels someone may fill whom nothing enabled reaches (a VP with only a phone
/// while Twilio is off), in words: `serve` logs them as it starts and `check-config` prints
/// them, so they are found before the page fails at night. Not a refusal: a team may run a
/// while with a provider off, and a bot that will not start pages nobody.
public enum UnreachableLevels {
    public static func warnings(_ directory: Directory) -> [String] {
        directory.unreachable().map { level, person in
            let listed = directory.roster.people[person].map { person in ContactMethod.allCases.filter { person.addresses[$0] != nil } } ?? []
            let has = listed.isEmpty ? "no contact" : listed.map(\.rawValue).joined(separator: ", ")
            return "\(level): nothing enabled here reaches \(person.handle) (who has \(has)), so their pages as \(level) will fail; "
                + "enable what their contact needs (a chat platform, or paging:) or give them another contact in the roster"
        }
    }
}

/// The ladder levels someone may fill who could never acknowledge a page: no chat account
/// here, and the method their page lands on takes no answer there (no `http.public_url` for
/// links, replies and keypresses; no PagerDuty webhook). The ladder would climb past them
/// every time; said as `serve` starts and by `check-config`. Only the ladders an
/// acknowledgement stops: the others' pages ask for no answer.
public enum UnanswerablePages {
    public static func warnings(_ directory: Directory, policy: Policy, answeredWhereTheyLand: Set<ContactMethod>) -> [String] {
        let asking = policy.askingLadders
        return directory.unanswerable(answeredWhereTheyLand: answeredWhereTheyLand, asking: asking).map { level, person, method in
            "\(level): \(person.handle) has no chat account here, and their pages (by \(method)) take no answer where they land, "
                + "so they can never acknowledge one; set http.public_url (and PAGERDUTY_WEBHOOK_SECRET for PagerDuty), "
                + "or give them a chat account in the roster"
        }
    }
}
