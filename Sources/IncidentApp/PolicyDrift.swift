import IncidentCore
import IncidentPolicy
import IncidentRules

/// Open incidents keep the policy they were declared under (their ladders do not change
/// under them), but the roster is read live and fills levels by id. When the policy in force
/// renumbered or dropped a level, an open incident's page for its level goes to whoever fills
/// that id now, in another role, or to nobody. `serve` says so as it starts, once a level.
public enum PolicyDrift {
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
