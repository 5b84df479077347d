@testable import IncidentApp
import IncidentEngine
import Synchronization
import Testing

/// What `/readyz` and the leader gauge say of a replica: a leader whose lease ran out reads as
/// standby at once, not once its services have wound down (20 seconds with a database that
/// stopped answering), while another replica may lead already.
@Suite struct ReplicaRoleTests {
    @Test func aLeaderIsOneOnlyWhileItsTermHolds() {
        let role = ReplicaRole(leading: false)
        #expect(!role.isLeader && role.name == "standby")
        let held = Atomic<Bool>(true)
        role.lead(LeaderTerm(token: 7) { held.load(ordering: .relaxed) })
        #expect(role.isLeader && role.name == "leader")
        held.store(false, ordering: .relaxed)
        #expect(!role.isLeader && role.name == "standby")
        role.standBy()
        #expect(!role.isLeader)
        // Alone on SQLite: no term, always the leader.
        #expect(ReplicaRole(leading: true).isLeader)
    }
}
