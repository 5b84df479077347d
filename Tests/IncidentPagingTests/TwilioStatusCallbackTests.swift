import IncidentCore
import IncidentEngine
@testable import IncidentPaging
import IncidentTesting
import IncidentWire
import Logging
import Testing

/// What Twilio reports of a page's call or text after taking it.
@Suite struct TwilioStatusCallbackTests {
    static func settings(_ pagers: Set<ContactMethod>) throws -> EngineSettings {
        EngineSettings(policy: try TestConfig.policy(), roster: try TestConfig.roster(), platforms: [.slack, .matrix],
                       pagers: pagers, broadcastRooms: TestBot.broadcast)
    }

    static func webhooks(_ engine: Engine<ManualClock>) -> TwilioWebhooks<ManualClock> {
        TwilioWebhooks(engine: engine, signature: TwilioSignature(authToken: Secret("token")), links: ProviderTransportTests.links,
                       maxBody: 65_536, readTimeout: .seconds(5), logger: ProviderTransportTests.logger)
    }

    /// Dave (voice not served here, so his page goes by text first) has a landline: Twilio
    /// took the text, and reports later that the carrier did not deliver it. The page goes on
    /// to his next method, chat, once; a report that it was delivered changes nothing. It had
    /// stayed "delivered by sms" for good.
    @Test func aTextTheCarrierDidNotDeliverGoesOnToTheNextMethod() async throws {
        let bot = try TestBot(pagers: [.sms])
        try await bot.say("U0REPORTER", "/incident declare Checkout is down --sev P0")
        try await bot.settle()
        let text = try #require(bot.pagers[.sms]?.delivered.first { $0.job.page?.person == "dave" }?.job)
        let token = ProviderTransportTests.links.token(incident: 1, person: "dave", page: text.key, method: .sms,
                                                       queuedAt: try #require(text.queuedAt), declaredAt: text.incidentDeclaredAt)
        let webhooks = Self.webhooks(bot.engine)
        let message = "SM" + String(repeating: "b", count: 32)
        #expect(await webhooks.textEnded(["MessageSid": message, "MessageStatus": "sent"], token: token).status == .noContent)
        #expect(await webhooks.textEnded(["MessageSid": message, "MessageStatus": "delivered"], token: token).status == .noContent)
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.contains { $0.key.hasPrefix(text.key + "/after-call") } == false)
        #expect(await webhooks.textEnded(["MessageSid": "CA" + String(repeating: "b", count: 32), "MessageStatus": "undelivered"],
                                         token: token).status == .badRequest)

        // A report for an incident of the same number declared at another time (the lost
        // database's, after a restore) sends nothing on.
        let lost = ProviderTransportTests.links.token(incident: 1, person: "dave", page: text.key, method: .sms,
                                                      queuedAt: try #require(text.queuedAt), declaredAt: TestConfig.start - .hours(5))
        var stale = EndedCall(page: text.key, person: "dave", incident: 1, status: .undelivered, method: .sms)
        stale.declaredAt = TestConfig.start - .hours(5)
        #expect(try await bot.engine.followUp(stale) == .unknown)
        #expect(await webhooks.textEnded(["MessageSid": message, "MessageStatus": "undelivered"], token: lost).status == .noContent)
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.contains { $0.key.hasPrefix(text.key + "/after-call") } == false)
        #expect(await webhooks.textEnded(["MessageSid": message, "MessageStatus": "undelivered"], token: token).status == .noContent)
        let next = try #require(try await bot.store.read { try $0.outboxItem(key: text.key + "/after-call:slack") })
        #expect(next.method == .slack)
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains { $0.contains("failed (the carrier did not deliver the text); trying slack") }, "\(timeline)")
        // Twilio's repeat of the same report makes nothing more.
        #expect(await webhooks.textEnded(["MessageSid": message, "MessageStatus": "undelivered"], token: token).status == .noContent)
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.key.hasPrefix(text.key + "/after-call") }.count == 1)
    }

    /// Twilio posts a call's end once. When the store cannot take it just then (a busy SQLite
    /// file, a PostgreSQL failover), the bot tries it again itself: the person's next method
    /// after the phone was never tried, the page staying "delivered by voice".
    @Test func aCallsEndTheStoreRefusedIsFollowedUpOnceTheStoreTakesIt() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        try await bot.say("U0REPORTER", "/incident declare Checkout is down --sev P0")
        try await bot.settle()
        let call = try #require(bot.pagers[.voice]?.delivered.first { $0.job.page?.person == "dave" }?.job)
        let links = ProviderTransportTests.links
        let token = links.token(incident: 1, person: "dave", page: call.key, method: .voice, queuedAt: try #require(call.queuedAt),
                                declaredAt: call.incidentDeclaredAt)
        let busy = FailingWrites(bot.store, failing: 1)
        let engine = Engine(store: busy, clock: bot.clock, settings: try Self.settings([.voice, .sms]), logger: ProviderTransportTests.logger)
        let webhooks = Self.webhooks(engine)
        let followUp = call.key + "/after-call:sms"  // `EndedCall.followUpKey`

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
