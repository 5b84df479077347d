import IncidentPostgres
import Logging
import Metrics
import ServiceLifecycle

/// Tells when replicas on one PostgreSQL database run different policy or roster files. An
/// incident keeps the policy of the replica that took its declaration, and a page goes to
/// whoever the leader's roster names, so a replica left on older files pages by older ladders
/// and rotations. Every replica looks at start and every `every`, and logs a warning when
/// the replicas on other files it sees change to a set that is not empty, a notice once none
/// are left, and sets `incident_bot_replicas_on_other_files`. Expected for a moment in a
/// rolling update, as the old pods give way.
struct ReplicaFilesCheck: Service {
    let own: ReplicaTag
    let every: Duration
    /// The replicas on other files connected now; a failure to look is left to the lease's
    /// own lines and readiness, and tried again next time.
    let look: @Sendable () async throws -> [ReplicaOnOtherFiles]
    let logger: Logger

    static let gauge = "incident_bot_replicas_on_other_files"

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var told: [ReplicaOnOtherFiles] = []
            while !Task.isCancelled {
                if let others = try? await look() {
                    told = tell(others, told: told)
                }
                try? await Task.sleep(for: every)
            }
        }
    }

    /// Logs what changed since `told` and returns what is told now.
    func tell(_ others: [ReplicaOnOtherFiles], told: [ReplicaOnOtherFiles]) -> [ReplicaOnOtherFiles] {
        Gauge(label: Self.gauge).record(others.count)
        guard others != told else { return told }
        if others.isEmpty {
            logger.notice("every replica connected now runs this one's policy and roster files", metadata: ["replica": "\(own.id)"])
        } else {
            logger.warning("other replicas run other policy or roster files: each incident follows the ladders of the replica that took its declaration, and pages go by the leader's roster", metadata: [
                "replica": "\(own.id)", "files": "\(own.files)",
                "others": "\(others.map { "\($0.tag.id) at \($0.address) (files \($0.tag.files))" }.joined(separator: ", "))",
            ])
        }
        return others
    }
}
