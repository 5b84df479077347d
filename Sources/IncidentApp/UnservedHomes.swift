import IncidentCore
import IncidentEngine

/// Open incidents whose room lives on a platform this config does not serve (Slack turned
/// off to move to Matrix, an incident declared in the console on the same database): their
/// pages go by the methods there are, but their room's creation, posts, invitations and nudges
/// wait in the outbox for that platform, with nothing tried and nothing said. `serve` says so
/// as it starts; `check-config --db` says so before the restart.
public enum UnservedHomes {
    public static func warnings(open incidents: [StoredIncident], served: Set<Platform>) -> [String] {
        let stranded = Dictionary(grouping: incidents.filter { !served.contains($0.home) }, by: \.home)
        return stranded.sorted { $0.key.rawValue < $1.key.rawValue }.map { home, incidents in
            let ids = incidents.map(\.incident.id).joined(separator: ", ")
            return "open incidents \(ids) live on \(home.title), which this config does not serve: their pages go by the methods "
                + "there are, but their room's posts, invitations and nudges wait for \(home.title) and nobody sees them; "
                + "resolve them on \(home.title), or serve it until they are"
        }
    }
}
