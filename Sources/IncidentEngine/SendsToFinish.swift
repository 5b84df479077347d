import Synchronization

/// The sends a stop waits for: a text, a call or a mail under way, from its request until its
/// record. Their providers keep nothing a restart could look a send up by (a post is found in
/// its Slack channel, a Matrix event by its transaction id, and PagerDuty folds a repeat into
/// its alert), so one that the stop cut off after its request had reached the provider went
/// out again at the next start: every rollout that met Twilio answering slowly called the VP
/// twice. Delivery lets such a send run to its end (within its own time limit) though the stop
/// cancels delivery, and `StopDeadline` ends the process only once it is recorded, or at its
/// outer bound.
public final class SendsToFinish: Sendable {
    /// The process's: `serve`'s deliveries and its `StopDeadline` share it.
    public static let process = SendsToFinish()

    /// The outbox ids of the items sent or being sent and not yet recorded.
    private let ids = Mutex<Set<Int64>>([])

    public init() {}

    /// How many are under way.
    public var count: Int { ids.withLock { $0.count } }

    /// Sends item `id` with `send`, to its end even if the calling task is cancelled (a stop).
    /// The item stays counted after a send that succeeded, until `recorded` says its record was
    /// written (or could not be).
    func send(_ id: Int64, _ send: @escaping @Sendable () async throws(TransportError) -> TransportReceipt)
        async throws(TransportError) -> TransportReceipt {
        ids.withLock { _ = $0.insert(id) }
        // A task of its own, not a child: the stop's cancellation of delivery does not reach it.
        // It keeps the caller's task-locals, the leader's term among them.
        let sending = Task { () -> Result<TransportReceipt, TransportError> in
            do throws(TransportError) {
                return .success(try await send())
            } catch {
                return .failure(error)
            }
        }
        switch await sending.value {
        case .success(let receipt):
            return receipt
        case .failure(let error):
            ids.withLock { _ = $0.remove(id) }
            throw error
        }
    }

    /// The records of `ids` were written, or their write failed: the stop waits no longer.
    func recorded(_ recorded: some Sequence<Int64>) {
        ids.withLock { ids in for id in recorded { ids.remove(id) } }
    }
}
