import IncidentCore
import IncidentEngine
@testable import IncidentPaging
import IncidentTesting
import IncidentWire
import Logging
import Testing

/// Twilio posts a call's end once. When the store cannot take it just then (a busy SQLite
/// file, a PostgreSQL failover), the bot tries it again itself: the person's next method
/// after the phone was never tried, the page staying "delivered by voice".
@Suite struct CallEndRetryTests {
    @Test func aCallsEndTheStoreRefusedIsFollowedUpOnceTheStoreTakesIt() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        try await bot.say("U0REPORTER", "/incident declare Checkout is down --sev P0")
        try await bot.settle()
        let call = try #require(bot.pagers[.voice]?.delivered.first { $0.job.page?.person == "dave" }?.job)
        let links = ProviderTransportTests.links
        let token = links.token(incident: 1, person: "dave", page: call.key, method: .voice, queuedAt: try #require(call.queuedAt),
                                declaredAt: call.incidentDeclaredAt)
        let settings = EngineSettings(policy: try TestConfig.policy(), roster: try TestConfig.roster(), platforms: [.slack, .matrix],
                                      pagers: [.voice, .sms], broadcastRooms: TestBot.broadcast)
        let busy = FailingWrites(bot.store, failing: 1)
        let engine = Engine(store: busy, clock: bot.clock, settings: settings, logger: ProviderTransportTests.logger)
        let webhooks = TwilioWebhooks(engine: engine, signature: TwilioSignature(authToken: Secret("token")), links: links,
                                      maxBody: 65_536, readTimeout: .seconds(5), logger: ProviderTransportTests.logger)
        let followUp = call.key + "/after-call"  // `EndedCall.followUpKey`

        let answer = await webhooks.callEnded(["CallSid": "CA" + String(repeating: "a", count: 32), "CallStatus": "no-answer"], token: token)
        #expect(answer.status == .internalServerError)
        #expect(try await bot.store.read { try $0.outboxItem(key: followUp) } == nil)

        // The retry waits on the engine's clock: moved past its first wait, it goes through.
        for _ in 0..<200 where try await bot.store.read({ try $0.outboxItem(key: followUp) }) == nil {
            bot.clock.advance(by: .seconds(2))
            try await Task.sleep(for: .milliseconds(10))
        }
        let item = try #require(try await bot.store.read { try $0.outboxItem(key: followUp) })
        #expect(item.method == .sms, "the page went on to dave's text")
        // Twilio's own repeat, later, makes nothing more.
        #expect(await webhooks.callEnded(["CallSid": "CA" + String(repeating: "a", count: 32), "CallStatus": "no-answer"], token: token).status
                == .noContent)
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.key.hasPrefix(followUp) }.count == 1)
    }
}
