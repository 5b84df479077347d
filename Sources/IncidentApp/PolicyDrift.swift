import IncidentCore
import IncidentPolicy
import IncidentRules

/// Open incidents keep the policy they were declared under (their ladders do not change
/// under them), but the roster is read live and fills levels by id. When the policy in force
/// renumbered or dropped a level, an open incident's page for its level goes to whoever fills
/// that id now, in another role, or to nobody. And an open incident names its people by their
/// roster key: one the roster no longer has (renamed, or removed) cannot acknowledge the page
/// it got, nor steer the incident it commands. `serve` says so as it starts, once a problem;
/// `check-config --db` says so before the restart.
public enum PolicyDrift {
    public static func warnings(open incidents: [Incident], policy: Policy, roster: Roster) -> [String] {
        warnings(open: incidents, policy: policy) + missingPeople(open: incidents, roster: roster)
    }

    /// People open incidents name (paged, in a role, as declarer) by a roster key the roster
    /// no longer has.
    static func missingPeople(open incidents: [Incident], roster: Roster) -> [String] {
        var affected: [PersonID: (incidents: [String], roles: [String])] = [:]
        for incident in incidents {
            var named: [(PersonID, String)] = incident.pages.filter { $0.withdrawn != true }.map { ($0.person, "paged") }
            named += incident.roles.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.value, $0.key.title) }
            named.append((incident.declaredBy, "declarer"))
            for (person, role) in named where person.isOnRoster && roster.people[person] == nil {
                var uses = affected[person] ?? ([], [])
                if !uses.incidents.contains(incident.id) { uses.incidents.append(incident.id) }
                if !uses.roles.contains(role) { uses.roles.append(role) }
                affected[person] = uses
            }
        }
        return affected.sorted { $0.key.rawValue < $1.key.rawValue }.map { person, uses in
            "open incidents \(uses.incidents.joined(separator: ", ")) name \(person.handle) (\(uses.roles.joined(separator: ", "))), "
                + "whom the roster no longer lists: their /ack and their commands there are refused, and what mentions them reaches nobody; "
                + "keep the roster key until the incidents are resolved"
        }
    }

    public static func warnings(open incidents: [Incident], policy: Policy) -> [String] {
        var affected: [String: [String]] = [:]
        for incident in incidents where incident.policy != policy {
            for ladder in incident.policy.ladders {
                let current = policy.ladders.first { $0.id == ladder.id }
                for level in ladder.levels {
                    let ref = "\(ladder.id).\(level.id)"
                    let problem: String
                    if let now = current?.levels.first(where: { $0.id == level.id }) {
                        guard now.role != level.role else { continue }
                        problem = "\(ref) was \(level.role) when they were declared and is \(now.role) in the policy in force, "
                            + "so their page as \(level.role) goes to whoever fills \(now.role)"
                    } else {
                        problem = "\(ref) (\(level.role)) is not in the policy in force, so their page there reaches nobody"
                    }
                    affected[problem, default: []].append(incident.id)
                }
            }
        }
        return affected.sorted { $0.key < $1.key }.map { problem, ids in
            "open incidents \(ids.joined(separator: ", ")) keep the policy they were declared under: \(problem); "
                + "resolve them, or keep the level's id for the same role"
        }
    }
}
