import Hummingbird
import IncidentCore
import IncidentEngine
@testable import IncidentMatrix
import IncidentTesting
import IncidentWire
import Logging
import SlackFake
import Synchronization
import Testing

/// While the homeserver is down the ladders climb. The sync loop tries again at least every
/// 5 s, so an acknowledgement typed the moment it is back is read before the next page falls
/// due: waiting up to a minute, it read an `!ack` 30 s late and the next level was paged
/// (audit s84b). A token the homeserver refuses is the operator's to fix, and is tried (and
/// logged) once a minute.
@Suite struct MatrixSyncBackoffTests {
    /// The waits of a sync loop against a homeserver whose `/sync` fails `failures` times with
    /// `status` and `body`, then answers: each wait moved through on the bot's clock.
    func waits(failing failures: Int, status: HTTPResponse.Status, body: String) async throws -> [Duration] {
        let synced = Mutex(0)
        let router = Router()
        router.get("/_matrix/client/v3/account/whoami") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"user_id":"@bot:localhost"}"#)))
        }
        router.get("/_matrix/client/v3/sync") { _, _ -> Response in
            let call = synced.withLock { calls in defer { calls += 1 }; return calls }
            guard call >= failures else {
                return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: body)))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"next_batch":"s1"}"#)))
        }
        let homeserver = try await RunningServer.start(router, label: "homeserver")
        defer { Task { await homeserver.stop() } }
        let bot = try TestBot()
        var quiet = Logger(label: "sync-backoff")
        quiet.logLevel = .critical
        let sync = MatrixSync(client: MatrixClient(homeserver: "http://127.0.0.1:\(homeserver.port)", auth: .token(Secret("token"))),
                              engine: bot.engine, logger: quiet)
        let running = Task { try await sync.run() }
        var waits: [Duration] = []
        for _ in 0..<3_000 where synced.withLock({ $0 }) <= failures {
            if let wait = bot.clock.deadlines.first {
                waits.append(wait - bot.clock.now)
                bot.clock.advance(to: wait)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        running.cancel()
        _ = await running.result
        #expect(synced.withLock { $0 } > failures, "the loop never synced")
        return waits
    }

    @Test func aHomeserverDownIsTriedAgainWithinSeconds() async throws {
        let waits = try await waits(failing: 10, status: .serviceUnavailable, body: #"{"errcode":"M_UNKNOWN","error":"down"}"#)
        #expect(waits.count == 10, "\(waits)")
        #expect(waits.max() == .seconds(5), "\(waits)")
    }

    @Test func aRefusedTokenIsTriedAgainOnceAMinute() async throws {
        let waits = try await waits(failing: 8, status: .unauthorized, body: #"{"errcode":"M_UNKNOWN_TOKEN","error":"gone"}"#)
        #expect(waits.count == 8, "\(waits)")
        #expect(waits.max() == .seconds(60), "\(waits)")
    }
}
