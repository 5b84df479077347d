import Foundation
import Synchronization

/// The write transactions this process has committed on one database file, for
/// `IncidentStore.commitCount`. Every store opened on the same path here shares one counter (a
/// test's restart opens a second store on the file while the first still exists), so no
/// store's count stays still while another commits; two files that share a path (in-memory
/// databases) share a count too, which only makes it move more often.
final class CommitCounter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .acquiring) }

    /// Counts a commit; called once it is durable, before its writer's caller resumes.
    func committed() {
        count.add(1, ordering: .releasing)
    }

    private static let byPath = Mutex<[String: CommitCounter]>([:])

    /// The counter of the file at `path`, by its path with links resolved: `./bot.sqlite`, its
    /// absolute path and a symbolic link to it count together.
    static func forFile(_ path: String) -> CommitCounter {
        let path = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        return byPath.withLock { counters in
            if let counter = counters[path] { return counter }
            let counter = CommitCounter()
            counters[path] = counter
            return counter
        }
    }
}
