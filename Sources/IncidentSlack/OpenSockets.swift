import Synchronization

/// The Socket Mode connections open now, to close when the bot stops: their sessions run apart
/// from the stop's signal (`SlackSocketMode.run`), so nothing else closes them.
final class OpenSockets: Sendable {
    typealias Close = @Sendable () async -> Void

    private let open = Mutex<(next: Int, closes: [Int: Close])>((0, [:]))

    /// Keeps `close` until the returned number is given to `remove`.
    func add(_ close: @escaping Close) -> Int {
        open.withLock { open in
            open.next += 1
            open.closes[open.next] = close
            return open.next
        }
    }

    func remove(_ number: Int) { _ = open.withLock { $0.closes.removeValue(forKey: number) } }

    /// Closes every connection open now.
    func closeAll() async {
        let closes = open.withLock { Array($0.closes.values) }
        await withTaskGroup(of: Void.self) { group in
            for close in closes { group.addTask { await close() } }
        }
    }
}
