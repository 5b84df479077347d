import Hummingbird
import IncidentEngine
@testable import IncidentMatrix
import IncidentTesting
import IncidentWire
import Logging
import SlackFake
import Testing
import Synchronization

/// What a homeserver failure means for delivery: retry, or give up.
@Suite struct MatrixClientErrorTests {
    /// A 4xx that carries no Matrix `errcode` is not the homeserver's answer (a proxy's or a
    /// firewall's page, a homeserver URL with the wrong path): retried, not given up. Any HTTP
    /// server that is no homeserver answers so; the fake Slack serves here.
    @Test func a4xxWithoutAnErrcodeIsRetried() async throws {
        let notAHomeserver = FakeSlack(users: [])
        try await notAHomeserver.start()
        defer { Task { await notAHomeserver.stop() } }
        let client = MatrixClient(homeserver: notAHomeserver.apiURL, auth: .token(Secret("token")))
        do {
            _ = try await client.call(.PUT, "rooms/%21room%3Alocalhost/send/m.room.message/txn1", body: ["msgtype": "m.text", "body": "hi"])
            Issue.record("the call succeeded")
        } catch {
            guard case .unavailable = error.transportError else {
                Issue.record("\(error) is given up: \(error.transportError)")
                return
            }
        }
    }

    /// 429s are waited out here only up to the call's budget in all: past it the rate limit
    /// goes back to the outbox with its hint, which may fail a page over instead of holding it
    /// for eight waits of 10 s.
    @Test func rateLimitsAreWaitedOutInlineOnlyWithinABudget() async throws {
        let router = Router()
        let tried = Mutex(0)
        router.put("/_matrix/client/v3/rooms/:room/send/:type/:txn") { _, _ -> Response in
            tried.withLock { $0 += 1 }
            return Response(status: .tooManyRequests, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: .init(string: #"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1000}"#)))
        }
        let homeserver = try await RunningServer.start(router, label: "limiting-homeserver")
        defer { Task { await homeserver.stop() } }
        let client = MatrixClient(homeserver: "http://127.0.0.1:\(homeserver.port)", auth: .token(Secret("token")),
                                  inlineRateLimitWait: .seconds(2))
        do {
            _ = try await client.call(.PUT, "rooms/%21room%3Alocalhost/send/m.room.message/txn1", body: ["msgtype": "m.text", "body": "hi"])
            Issue.record("the call succeeded")
        } catch {
            guard case .rateLimited(let after) = error else {
                Issue.record("\(error) is not the rate limit")
                return
            }
            #expect(after == .seconds(1))
        }
        // Two waits of 1 s fit the 2 s budget; the third answer goes back to the caller.
        #expect(tried.withLock { $0 } == 3)
        #expect(client.rateLimitWaits == 2)
    }
}

/// A busy room's gap the homeserver cannot fill for now, sync after sync: the gap is retried
/// with the whole sync for two minutes, then given up, so one room's failing `/messages` does
/// not hold every room's commands (an `!ack` typed elsewhere) for as long as it fails.
@Suite struct MatrixGapFailureTests {
    @Test func aGapThatKeepsFailingIsGivenUpAfterAFewSyncs() async throws {
        let router = Router()
        router.get("/_matrix/client/v3/rooms/:room/messages") { _, _ -> Response in Response(status: .serviceUnavailable) }
        let homeserver = try await RunningServer.start(router, label: "failing-homeserver")
        defer { Task { await homeserver.stop() } }
        let bot = try TestBot()
        let sync = MatrixSync(client: MatrixClient(homeserver: "http://127.0.0.1:\(homeserver.port)", auth: .token(Secret("token"))),
                              engine: bot.engine, logger: Logger(label: "gap-test"))
        let command: JSONValue = ["type": "m.room.message", "event_id": "$late", "sender": "@alice:localhost",
                                  "content": ["msgtype": "m.text", "body": "!ack INC-1"]]
        let answer: JSONValue = ["rooms": ["join": [
            "!busy:localhost": ["timeline": ["limited": true, "prev_batch": "p1", "events": [command]]],
        ]]]
        // A short outage or a rate limit loses nothing: the whole sync is retried.
        for _ in 1...3 {
            await #expect(throws: MatrixError.self, "retried whole") {
                _ = try await sync.timelines(answer, since: "s1", me: "@bot:localhost")
            }
            bot.clock.advance(by: .seconds(30))
        }
        // Two minutes of it, and the gap is given up: the other rooms' commands go on.
        bot.clock.advance(by: MatrixSync<ManualClock>.gapPatience)
        let rooms = try await sync.timelines(answer, since: "s1", me: "@bot:localhost")
        #expect(rooms["!busy:localhost"]?.compactMap { $0["event_id"]?.string } == ["$late"])
        // A later gap in that room gets its own two minutes: a failure kept from an earlier
        // batch, after one without a gap, does not cut it short.
        await #expect(throws: MatrixError.self) { _ = try await sync.timelines(answer, since: "s2", me: "@bot:localhost") }
        _ = try await sync.timelines(["rooms": ["join": ["!busy:localhost": ["timeline": ["events": [command]]]]]], since: "s3",
                                     me: "@bot:localhost")
        bot.clock.advance(by: .minutes(10))
        await #expect(throws: MatrixError.self, "a new gap is retried whole") {
            _ = try await sync.timelines(answer, since: "s4", me: "@bot:localhost")
        }
    }
}

/// A new leader's first read of the kept sync position fails (its database connection died in
/// the failover that made it leader): the read is tried again as a failed sync is, and the
/// loop goes on, instead of ending the whole leader term and its scheduler and delivery.
@Suite struct MatrixSyncStartTests {
    /// A store whose first read fails.
    final class FirstReadFails: IncidentStore {
        let store: any IncidentStore
        let failed = Mutex(false)
        struct Refused: Error {}
        init(_ store: any IncidentStore) { self.store = store }
        func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T { try await store.write(body) }
        func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            if !failed.withLock({ failed in defer { failed = true }; return failed }) { throw Refused() }
            return try await store.read(body)
        }
    }

    @Test func aFailedReadOfTheSyncPositionIsTriedAgain() async throws {
        let synced = Mutex(0)
        let router = Router()
        router.get("/_matrix/client/v3/account/whoami") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"user_id":"@bot:localhost"}"#)))
        }
        router.get("/_matrix/client/v3/sync") { _, _ -> Response in
            synced.withLock { $0 += 1 }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: #"{"next_batch":"s1"}"#)))
        }
        let homeserver = try await RunningServer.start(router, label: "homeserver")
        defer { Task { await homeserver.stop() } }
        let bot = try TestBot()
        let engine = Engine(store: FirstReadFails(bot.store), clock: bot.clock, settings: bot.engine.settings, logger: Logger(label: "sync-start"))
        let sync = MatrixSync(client: MatrixClient(homeserver: "http://127.0.0.1:\(homeserver.port)", auth: .token(Secret("token"))),
                              engine: engine, logger: Logger(label: "sync-start"))
        let running = Task { try await sync.run() }
        // Each time the loop waits out its backoff on the bot's clock, the clock moves to that
        // wait's end; nothing moves it blind.
        for _ in 0..<1_000 where synced.withLock({ $0 }) == 0 {
            if let wait = bot.clock.deadlines.first { bot.clock.advance(to: wait) }
            try await Task.sleep(for: .milliseconds(10))
        }
        running.cancel()
        #expect(synced.withLock { $0 } > 0, "the loop never synced")
        let ended = await running.result
        if case .failure(let error) = ended { Issue.record("the loop ended with \(error)") }
    }
}
