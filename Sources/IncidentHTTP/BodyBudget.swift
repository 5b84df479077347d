import Synchronization

/// The memory the request bodies being read at once may hold past each one's first
/// `free` bytes, shared by every door of the process.
public final class BodyBudget: Sendable {
    /// What every body may hold of its own: Slack's, Twilio's and PagerDuty's requests fit.
    public static let free = 64 << 10
    /// The process's budget: 64 MiB, 64 bodies of the default `max_body` at once.
    public static let shared = BodyBudget(bytes: 64 << 20)

    public let bytes: Int
    private let used = Atomic<Int>(0)

    public init(bytes: Int) {
        self.bytes = bytes
    }

    /// Takes `count` bytes of the budget; false (nothing taken) when fewer are left.
    func reserve(_ count: Int) -> Bool {
        guard used.add(count, ordering: .relaxed).newValue > bytes else { return true }
        used.subtract(count, ordering: .relaxed)
        return false
    }

    func release(_ count: Int) {
        if count > 0 { used.subtract(count, ordering: .relaxed) }
    }

    /// The bytes held now.
    public var held: Int { used.load(ordering: .relaxed) }
}
