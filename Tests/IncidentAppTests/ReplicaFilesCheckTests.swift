@testable import IncidentApp
import IncidentPostgres
import IncidentTesting
import Testing

/// What a replica says of others on other policy or roster files: a warning each time the
/// set it sees changes to one that is not empty, a notice once none are left, nothing while
/// nothing changes.
@Suite struct ReplicaFilesCheckTests {
    @Test func aChangeInTheReplicasOnOtherFilesIsToldOnce() {
        let recorder = LogRecorder()
        let own = ReplicaTag(id: "0000000a", filesDigest: "111111111111")
        let check = ReplicaFilesCheck(own: own, every: .seconds(30), look: { [] }, logger: recorder.logger)
        let older = ReplicaOnOtherFiles(tag: ReplicaTag(id: "0000000b", filesDigest: "222222222222"), address: "10.0.0.7")
        let newer = ReplicaOnOtherFiles(tag: ReplicaTag(id: "0000000c", filesDigest: "333333333333"), address: "10.0.0.8")

        var told = check.tell([], told: [])
        #expect(recorder.lines.withLock { $0 }.isEmpty, "all agree from the start: nothing to tell")
        told = check.tell([older], told: told)
        told = check.tell([older], told: told)
        told = check.tell([older, newer], told: told)
        told = check.tell([], told: told)
        #expect(told.isEmpty)
        let lines = recorder.lines.withLock { $0 }
        #expect(lines == [
            "warning other replicas run other policy or roster files: each incident follows the ladders of the replica that took its declaration, and pages go by the leader's roster",
            "warning other replicas run other policy or roster files: each incident follows the ladders of the replica that took its declaration, and pages go by the leader's roster",
            "notice every replica connected now runs this one's policy and roster files",
        ])
        let others = recorder.metadataOfLines.withLock { $0 }.map { $0["others"].map { "\($0)" } }
        #expect(others == ["0000000b at 10.0.0.7 (files 222222222222)",
                           "0000000b at 10.0.0.7 (files 222222222222), 0000000c at 10.0.0.8 (files 333333333333)", nil])
    }
}
