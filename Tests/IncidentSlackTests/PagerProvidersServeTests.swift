import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IncidentCore
import IncidentPaging
import IncidentSlack
import IncidentTesting
import IncidentWire
import PagerFakes
import SlackFake
import Testing

/// `incident-bot serve` paging through PagerDuty and Twilio (their fakes), and acknowledged
/// from each: a signed PagerDuty webhook, a signed keypress, a signed SMS reply. Bad signatures
/// are refused; an acknowledgement and a resolution in chat reach PagerDuty; an outage fails
/// the page over to the person's next method.
@Suite(.serialized) struct PagerProvidersServeTests {
    static let routingKey = "fedcba9876543210fedcba9876543210"
    static let pagerDutySecret = "pagerduty-webhook-secret"
    static let linkSecret = "test-link-secret-of-at-least-32-characters"

    /// The bot on the fakes: alice (on call) by PagerDuty, dave (VP, paged at once for a P0)
    /// called first, as the example roster orders his methods.
    struct Bot {
        var process: Process
        var port: Int
        var stderr: Pipe
        var folder: URL
        var config: URL
        var db: String

        func export() async throws -> String {
            let arguments = ["export", "INC-1", "--format", "markdown", "--config", config.path, "--db", db]
            return String(decoding: try await TestTools.offPool { try TestTools.run(TestTools.botBinary.path, arguments) }, as: UTF8.self)
        }

        func stop() async throws -> String {
            process.terminate()
            try await TestTools.waitForExit(process)
            return String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
    }

    static func start(slack: FakeSlack, pagerDuty: FakePagerDuty, twilio: FakeTwilio, delivery: String = "") async throws -> Bot {
        let port = try TestTools.freePort()
        let folder = try TestConfig.temporaryDirectory()
        let roster = try TestConfig.text("roster.example.yaml").replacingOccurrences(
            of: "    prefer: slack               # pages go here first, then to the other platform",
            with: "    pagerduty: PAGERDUTY_KEY_ALICE\n    contact: [pagerduty, slack]")
        try roster.write(to: folder.appendingPathComponent("roster.yaml"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try """
            policy: \(TestConfig.directory.path)/policy.yaml
            roster: roster.yaml
            broadcast:
              slack: \(slack.channel(named: "incidents")!.id)
            admin:
              listen: 127.0.0.1:0
            http:
              listen: 127.0.0.1:\(port)
              public_url: http://127.0.0.1:\(port)
            slack:
              enabled: true
            paging:
              pagerduty:
                enabled: true
              twilio:
                enabled: true
                account_sid: \(FakeTwilio.accountSID)
                from: "+15550100000"
            \(delivery)
            """.write(to: config, atomically: true, encoding: .utf8)
        let db = folder.appendingPathComponent("bot.sqlite").path
        let process = Process()
        process.executableURL = TestTools.botBinary
        process.arguments = ["serve", "--config", config.path, "--db", db]
        process.environment = [
            "SLACK_BOT_TOKEN": FakeSlack.botToken, "SLACK_SIGNING_SECRET": SlackHarness.secret, "SLACK_API_URL": slack.apiURL,
            "INCIDENT_BOT_LINK_SECRET": linkSecret, "PAGERDUTY_KEY_ALICE": routingKey, "PAGERDUTY_EVENTS_URL": pagerDuty.url,
            "PAGERDUTY_WEBHOOK_SECRET": pagerDutySecret, "TWILIO_AUTH_TOKEN": FakeTwilio.authToken, "TWILIO_API_URL": twilio.apiURL,
            "PATH": "/usr/bin:/bin",
        ]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = Pipe()
        try process.run()
        guard await SlackServeProcessTests.port(from: stderr.fileHandleForReading) == port else {
            process.terminate()
            throw TestTools.Failure("the bot did not start listening on \(port)")
        }
        return Bot(process: process, port: port, stderr: stderr, folder: folder, config: config, db: db)
    }

    /// The fake Slack (with the broadcast channel), PagerDuty and Twilio, running.
    static func fakes() async throws -> (FakeSlack, FakePagerDuty, FakeTwilio) {
        let slack = FakeSlack(users: Array(SlackHarness.users.values))
        try await slack.start()
        slack.addChannel("incidents")
        let pagerDuty = FakePagerDuty()
        try await pagerDuty.start()
        let twilio = FakeTwilio()
        try await twilio.start()
        return (slack, pagerDuty, twilio)
    }

    static func post(_ url: String, body: String, headers: [String: String]) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await HTTPPost.send(request)
    }

    /// A form POST signed by Twilio's own SDK for `url`.
    static func twilioCallback(_ url: String, _ fields: [String: String], token: String = FakeTwilio.authToken) async throws
        -> (status: Int, body: String) {
        let signature = try await ProviderSigners.twilio(token: token, url: url, parameters: fields)
        return try await post(url, body: FormEncoding.encode(fields), headers: [
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
        ])
    }

    static func pagerDutyWebhook(port: Int, id: String, incidentKey: String, secret: String = pagerDutySecret) async throws
        -> (status: Int, body: String) {
        let body = FakePagerDuty.webhookBody(id: id, incidentKey: incidentKey)
        let mac = try await ProviderSigners.hmacSHA256(secret: secret, message: body)
        return try await post("http://127.0.0.1:\(port)/webhooks/pagerduty", body: body, headers: [
            "Content-Type": "application/json", "X-PagerDuty-Signature": "v1=\(String(repeating: "0", count: 64)),v1=\(mac)",
            "X-Webhook-Id": id,
        ])
    }

    @Test func pagesReachPagerDutyAndAPhoneAndAreAcknowledgedFromEach() async throws {
        let (slack, pagerDuty, twilio) = try await Self.fakes()
        defer { Task { await slack.stop(); await pagerDuty.stop(); await twilio.stop() } }
        let bot = try await Self.start(slack: slack, pagerDuty: pagerDuty, twilio: twilio)
        defer { if bot.process.isRunning { bot.process.terminate() } }

        let declared = try await SlackServeProcessTests.slash(port: bot.port, "declare Checkout is down --sev P0")
        #expect(declared.status == 200 && declared.body.contains("INC-1"), "\(declared.body)")
        let unsigned = "incident-bot/INC-1/engineering/L1/alice"
        try await waitFor { pagerDuty.events.contains { $0.dedupKey.hasPrefix(unsigned + "/") } && !twilio.sent.isEmpty }
        let dedupKey = try #require(pagerDuty.events.first { $0.dedupKey.hasPrefix(unsigned + "/") }?.dedupKey)
        #expect(pagerDuty.events.first?.body["payload"]?["severity"]?.string == "critical")
        let call = try #require(twilio.sent.first)
        #expect(call.resource == "Calls" && call.to == "+15550100004")
        // The real page, read out without its room's slug (its text and chat carry it).
        #expect(call.content.contains("Unanswered since") && !call.content.contains("checkout-is-down"), "\(call.content)")
        let action = try #require(call.content.components(separatedBy: "action=\"").dropFirst().first?.components(separatedBy: "\"").first)
        #expect(action.hasPrefix("http://127.0.0.1:\(bot.port)/webhooks/twilio/voice/"))

        // PagerDuty: a forged webhook changes nothing, nor does an incident made by hand with the
        // page's key guessed (without the tag only the routing key gives); the signed one, for
        // the incident the bot triggered, acknowledges as alice, once.
        let forged = try await Self.pagerDutyWebhook(port: bot.port, id: "evt-0", incidentKey: dedupKey, secret: "not-the-secret")
        #expect(forged.status == 401)
        for guessed in [unsigned, unsigned + "/0123456789abcdef"] {
            let made = try await Self.pagerDutyWebhook(port: bot.port, id: "evt-guess-\(guessed.count)", incidentKey: guessed)
            #expect(made.status == 200 && made.body.contains("ignored"), "\(made.body)")
        }
        let signed = try await Self.pagerDutyWebhook(port: bot.port, id: "evt-1", incidentKey: dedupKey)
        #expect(signed.status == 200 && signed.body.contains("handled"), "\(signed.body)")
        let again = try await Self.pagerDutyWebhook(port: bot.port, id: "evt-1", incidentKey: dedupKey)
        #expect(again.body.contains("duplicate"))
        // The acknowledgement is sent back: PagerDuty's alert is acknowledged too.
        try await waitFor { pagerDuty.alert(routingKey: Self.routingKey, dedupKey: dedupKey) == "acknowledged" }

        // The call: a keypress signed with another token is refused; the real one acknowledges as dave.
        let fields = ["CallSid": call.sid, "Digits": "1", "From": "+15550100000", "To": "+15550100004", "AccountSid": FakeTwilio.accountSID]
        #expect(try await Self.twilioCallback(action, fields, token: "another-token").status == 403)
        let pressed = try await Self.twilioCallback(action, fields)
        // Alice answered on PagerDuty first: the call says so.
        #expect(pressed.status == 200 && pressed.body.contains("<Say>Also acknowledged INC-1; @alice had acknowledged it before"), "\(pressed.body)")
        // A text from dave's phone: he already acknowledged, so nothing changes.
        let texted = try await Self.twilioCallback("http://127.0.0.1:\(bot.port)/webhooks/twilio/sms",
                                                   ["From": "+15550100004", "To": "+15550100000", "Body": "ack", "MessageSid": "SM" + String(repeating: "1", count: 32)])
        #expect(texted.body.contains("You already acknowledged INC-1"), "\(texted.body)")
        // The same text re-cut so that its id swallows the parameter after it still verifies
        // (Twilio signs keys and values run together), but is not a message id: refused.
        let recut = try await Self.twilioCallback("http://127.0.0.1:\(bot.port)/webhooks/twilio/sms",
                                                  ["From": "+15550100004", "To": "+15550100000", "Body": "ack",
                                                   "MessageSid": "SM" + String(repeating: "1", count: 32) + "NumMedia0"])
        #expect(recut.status == 400, "\(recut.body)")
        // Signed, but with no message id at all (a proxy that strips it): refused the same way.
        let idless = try await Self.twilioCallback("http://127.0.0.1:\(bot.port)/webhooks/twilio/sms",
                                                   ["From": "+15550100004", "To": "+15550100000", "Body": "ack"])
        #expect(idless.status == 400 && idless.body.contains("MessageSid"), "\(idless.body)")
        // A stranger's number gets no answer at all.
        let stranger = try await Self.twilioCallback("http://127.0.0.1:\(bot.port)/webhooks/twilio/sms",
                                                     ["From": "+15559999999", "To": "+15550100000", "Body": "ACK", "MessageSid": "SM" + String(repeating: "2", count: 32)])
        #expect(stranger.body.hasSuffix("<Response></Response>"))

        // Resolved in chat: PagerDuty's alert is resolved.
        let resolved = try await SlackServeProcessTests.slash(port: bot.port, "resolve INC-1 rolled back", user: "U0CAROL03")
        #expect(resolved.status == 200, "\(resolved.body)")
        try await waitFor { pagerDuty.alert(routingKey: Self.routingKey, dedupKey: dedupKey) == "resolved" }

        let log = try await bot.stop()
        #expect(!log.contains(Self.routingKey) && !log.contains(FakeTwilio.authToken) && !log.contains(Self.pagerDutySecret))
        let export = try await bot.export()
        #expect(export.contains("Page to @alice (on-call engineer, engineering L1) delivered by pagerduty."))
        #expect(export.contains("Page to @dave (VP engineering, engineering L4) delivered by voice."))
        #expect(export.contains("Acknowledged by @alice (PagerDuty)."))
        #expect(export.contains("Also acknowledged by @dave (phone keypress)."))
        #expect(pagerDuty.refused == 0)
    }

    /// Twilio down: dave's call and then his text are retried, then the page goes to Slack; the
    /// timeline says each step.
    @Test func aProviderOutageFailsThePageOverToTheNextMethod() async throws {
        let (slack, pagerDuty, twilio) = try await Self.fakes()
        defer { Task { await slack.stop(); await pagerDuty.stop(); await twilio.stop() } }
        twilio.behave(.down)
        let bot = try await Self.start(slack: slack, pagerDuty: pagerDuty, twilio: twilio, delivery: """
            delivery:
              retry_base: 1s
              retry_ceiling: 1s
              page_attempts_before_failover: 2
            """)
        defer { if bot.process.isRunning { bot.process.terminate() } }
        _ = try await SlackServeProcessTests.slash(port: bot.port, "declare Checkout is down --sev P0")
        try await waitFor(seconds: 30) { slack.directMessages(to: "U0DAVE004").count >= 1 }
        #expect(twilio.attempts >= 4)
        _ = try await bot.stop()
        let export = try await bot.export()
        #expect(export.contains("Page to @dave by voice failed"))
        #expect(export.contains("trying sms."))
        #expect(export.contains("Page to @dave by sms failed"))
        #expect(export.contains("trying slack."))
        #expect(export.contains("Page to @dave (VP engineering, engineering L4) delivered by slack."))
    }
}

extension PagerProvidersServeTests {
    /// The webhook for an acknowledgement the bot itself sent (its agent is not a PagerDuty
    /// user) changes nothing, nor does one for a page that did not go through PagerDuty; a
    /// call's keypress token is no link anyone may open.
    @Test func theBotsOwnAcknowledgementsAndCallTokensAcknowledgeNothing() async throws {
        let (slack, pagerDuty, twilio) = try await Self.fakes()
        defer { Task { await slack.stop(); await pagerDuty.stop(); await twilio.stop() } }
        let bot = try await Self.start(slack: slack, pagerDuty: pagerDuty, twilio: twilio)
        defer { if bot.process.isRunning { bot.process.terminate() } }
        _ = try await SlackServeProcessTests.slash(port: bot.port, "declare Checkout is down --sev P0")
        try await waitFor { !twilio.sent.isEmpty && !pagerDuty.events.isEmpty }
        let body = FakePagerDuty.webhookBody(id: "evt-echo", incidentKey: "incident-bot/INC-1/engineering/L1")
            .replacingOccurrences(of: #""type":"user_reference""#, with: #""type":"service_reference""#)
        let mac = try await ProviderSigners.hmacSHA256(secret: Self.pagerDutySecret, message: body)
        let echo = try await Self.post("http://127.0.0.1:\(bot.port)/webhooks/pagerduty", body: body, headers: [
            "Content-Type": "application/json", "X-PagerDuty-Signature": "v1=\(mac)",
        ])
        #expect(echo.status == 200 && echo.body.contains("ignored"), "\(echo.body)")
        // Dave's page went by phone, never through PagerDuty: a PagerDuty incident made with his
        // page's key (by anyone who may make incidents there) acknowledges nothing.
        let notThroughPagerDuty = try await Self.pagerDutyWebhook(port: bot.port, id: "evt-dave",
                                                                  incidentKey: "incident-bot/INC-1/engineering/L4/dave")
        #expect(notThroughPagerDuty.status == 200 && notThroughPagerDuty.body.contains("ignored"), "\(notThroughPagerDuty.body)")
        let call = try #require(twilio.sent.first)
        let token = try #require(call.content.components(separatedBy: "/webhooks/twilio/voice/").dropFirst().first?.components(separatedBy: "\"").first)
        let opened = try await Self.post("http://127.0.0.1:\(bot.port)/ack/\(token)", body: "", headers: [:])
        #expect(opened.status == 404)
        _ = try await bot.stop()
        await #expect(try !bot.export().contains("Acknowledged by"))
    }
}

extension PagerProvidersServeTests {
    /// Dave's call rings out: Twilio posts the call's end to the status callback the bot asked
    /// for, signed, and the page goes on to his phone as a text, once. A forged callback, or one
    /// for a token of another kind, changes nothing.
    @Test func aCallThatRangOutIsFollowedByAText() async throws {
        let (slack, pagerDuty, twilio) = try await Self.fakes()
        defer { Task { await slack.stop(); await pagerDuty.stop(); await twilio.stop() } }
        let bot = try await Self.start(slack: slack, pagerDuty: pagerDuty, twilio: twilio)
        defer { if bot.process.isRunning { bot.process.terminate() } }
        _ = try await SlackServeProcessTests.slash(port: bot.port, "declare Checkout is down --sev P0")
        try await waitFor { twilio.sent.contains { $0.resource == "Calls" } }
        let call = try #require(twilio.sent.first { $0.resource == "Calls" })
        let callback = try #require(call.statusCallback)
        #expect(callback.hasPrefix("http://127.0.0.1:\(bot.port)/webhooks/twilio/call-status/"))
        let fields = ["CallSid": call.sid, "CallStatus": "no-answer", "AccountSid": FakeTwilio.accountSID, "From": call.from,
                      "To": call.to, "Direction": "outbound-api", "ApiVersion": "2010-04-01", "CallDuration": "0"]
        #expect(try await Self.twilioCallback(callback, fields, token: "another-token").status == 403)
        let keypressRoute = callback.replacingOccurrences(of: "/call-status/", with: "/voice/")
        #expect(try await Self.twilioCallback(keypressRoute, ["CallSid": call.sid, "Digits": "2"]).body.contains("Not acknowledged"))
        // Re-cut so that the id swallows the status after it (Twilio signs keys and values run
        // together): it still verifies, but is no call id.
        var recut = fields
        recut["CallSid"] = call.sid + "CallStatusno-answer"
        recut["CallStatus"] = nil
        #expect(try await Self.twilioCallback(callback, recut).status == 400)
        #expect(try await Self.twilioCallback(callback.replacingOccurrences(of: "/call-status/", with: "/call-status/x"), fields).status == 404)
        #expect(twilio.sent.filter { $0.resource == "Messages" }.isEmpty)

        let ended = try await Self.twilioCallback(callback, fields)
        #expect(ended.status == 204, "\(ended.body)")
        try await waitFor { twilio.sent.contains { $0.resource == "Messages" && $0.to == "+15550100004" } }
        // Twilio posts again when its first callback went unanswered: no second follow-up
        // (its timeline entry, below, is there once).
        #expect(try await Self.twilioCallback(callback, fields).status == 204)
        let text = try #require(twilio.sent.first { $0.resource == "Messages" })
        #expect(text.content.contains("Reply ACK INC-1 to acknowledge."))

        let log = try await bot.stop()
        #expect(!log.contains(callback.components(separatedBy: "/call-status/")[1]), "the token is a secret")
        let export = try await bot.export()
        #expect(export.components(separatedBy: "Page to @dave by voice failed (nobody answered the call); trying sms.").count == 2)
        #expect(export.contains("Page to @dave (VP engineering, engineering L4) delivered by sms."))
        #expect(twilio.sent.filter { $0.resource == "Messages" }.count == 1)
    }
}
