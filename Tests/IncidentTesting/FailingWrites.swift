import IncidentEngine
import Synchronization

/// A store whose first `failing` writes fail and whose reads work: a delivery on it sends and
/// cannot record, as one that dies between the two (every write failing), whose database
/// answered once with an error, or whose disk filled up.
public final class FailingWrites: IncidentStore {
    let store: any IncidentStore
    let failuresLeft: Mutex<Int>
    public struct Refused: Error {}

    public init(_ store: any IncidentStore, failing: Int = .max) {
        self.store = store
        failuresLeft = Mutex(failing)
    }

    /// Lets every write through from now on.
    public func heal() {
        failuresLeft.withLock { $0 = 0 }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        if failuresLeft.withLock({ left in defer { left = max(0, left - 1) }; return left > 0 }) { throw Refused() }
        return try await store.write(body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
        try await store.read(body)
    }
}
