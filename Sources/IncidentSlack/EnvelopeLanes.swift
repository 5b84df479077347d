import Synchronization

/// The envelopes in hand, in lanes (`SlackSocketMode.lane(of:)`): each runs after the one before
/// it in its lane, on whichever connection either came. Not child tasks of a session: a socket
/// that drops must not cancel an envelope half handled (a cancelled workspace check would read
/// as "not served" and acknowledge it unrun); its acknowledgement then fails, and Slack sends
/// it again.
final class EnvelopeLanes: Sendable {
    private struct Latest {
        var number: Int
        var task: Task<Void, Never>
    }

    private let lanes = Mutex<(count: Int, latest: [String: Latest], closed: Bool)>((0, [:], false))

    /// Runs `work` after the envelope before it in `lane` is done; false, and runs nothing, once
    /// the lanes are closed (the bot is stopping: the envelope is not acknowledged, and Slack
    /// sends it again on the next connection).
    func add(to lane: String, _ work: @escaping @Sendable () async -> Void) -> Bool {
        lanes.withLock { lanes in
            guard !lanes.closed else { return false }
            lanes.count += 1
            let number = lanes.count
            let before = lanes.latest[lane]?.task
            lanes.latest[lane] = Latest(number: number, task: Task {
                await before?.value
                await work()
                // Done and still the lane's latest: nothing waits for it, and a lane a day for a
                // year of channels is not kept.
                self.lanes.withLock { lanes in
                    if lanes.latest[lane]?.number == number { lanes.latest[lane] = nil }
                }
            })
            return true
        }
    }

    /// Takes no more envelopes, and returns the latest of each lane.
    func close() -> [Task<Void, Never>] {
        lanes.withLock { lanes in
            lanes.closed = true
            return lanes.latest.values.map(\.task)
        }
    }

    /// The latest envelope of each lane: when they are done, every envelope in hand is.
    var inHand: [Task<Void, Never>] { lanes.withLock { $0.latest.values.map(\.task) } }
}
