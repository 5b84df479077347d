/// What `IncidentRecords.withdrawBroadcasts` did as an incident turned private: the broadcast
/// posts it withdrew (one a platform for a post to every broadcast channel), and those it
/// left because delivery was sending them, which may reach the channel, its title in them.
public struct BroadcastWithdrawal: Hashable, Sendable {
    public var withdrawn = 0
    public var beingSent = 0

    public init(withdrawn: Int = 0, beingSent: Int = 0) {
        self.withdrawn = withdrawn
        self.beingSent = beingSent
    }
}
