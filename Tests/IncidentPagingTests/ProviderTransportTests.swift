import Foundation
import IncidentCore
import IncidentEngine
@testable import IncidentPaging
import IncidentTesting
import IncidentWire
import Logging
import PagerFakes
import Testing

/// Each provider transport against its fake: what it sends passes the provider's checks, and
/// what the provider answers becomes the right retry, failover or give-up.
@Suite(.serialized) struct ProviderTransportTests {
    static let routingKey = "0123456789abcdef0123456789abcdef"
    static let links = AckLinks(secret: Array("0123456789abcdef0123456789abcdef".utf8), publicURL: "https://bot.example.org",
                                validity: .hours(24))
    static var logger: Logger {
        var logger = Logger(label: "provider-test")
        logger.logLevel = .critical
        return logger
    }

    static func pageJob(method: ContactMethod, account: String, severity: Severity = .p0, asksForAcknowledgement: Bool = true) -> TransportJob {
        var message = Message(.strong("🔔 INC-7 (\(severity)): "), .userText("Checkout <down> & \"out\""))
        message.kind = .page
        message.line(.text("You are paged as VP engineering (engineering L4)."))
        if asksForAcknowledgement {
            message.line(.text("Acknowledge with "), .command("ack INC-7"), .text("."))
            message.actions = [.acknowledge]
        } else {
            message.line(.text("For your information: updates follow in the broadcast channel until it is mitigated."))
        }
        let page = Page(person: "dave", ladder: "engineering", level: "L4", role: "VP engineering", message: message, severity: severity)
        var job = TransportJob(key: "INC-7/3@\(method)", action: .directMessage(to: "dave", message),
                               people: ["dave": Contact(person: "dave", handle: "@dave", account: account)], page: page, incident: 7)
        job.queuedAt = TestConfig.start
        job.incidentDeclaredAt = TestConfig.start
        return job
    }

    @Test func aPageTriggersOnePagerDutyAlertPerIncidentAndLevel() async throws {
        let fake = FakePagerDuty()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let transport = PagerDutyTransport(eventsURL: fake.url, routingKeys: ["PD_DAVE": Secret(Self.routingKey)], links: Self.links,
                                           logger: Self.logger)
        let job = Self.pageJob(method: .pagerduty, account: "PD_DAVE")
        _ = try await transport.deliver(job)
        _ = try await transport.deliver(job)  // a repeat of the level: the same alert
        #expect(fake.refused == 0)
        let trigger = try #require(fake.events.first)
        // The key's tag is an HMAC-SHA256 of the rest and of the incident's declaration under the
        // routing key (Python's hmac here).
        let tag = try await ProviderSigners.hmacSHA256(secret: Self.routingKey,
                                                       message: "incident-bot/INC-7/engineering/L4/dave@\(TestConfig.start.secondsSinceEpoch)")
        #expect(trigger.dedupKey == "incident-bot/INC-7/engineering/L4/dave/" + tag.prefix(16))
        #expect(trigger.body["payload"]?["severity"]?.string == "critical")
        #expect(trigger.body["links"]?.array?.first?["href"]?.string?.hasPrefix("https://bot.example.org/ack/") == true)
        #expect(fake.alert(routingKey: Self.routingKey, dedupKey: trigger.dedupKey) == "triggered")

        var settle = job
        settle.action = .settle(PageSettlement(outcome: .acknowledged, pages: [PagedLevel(person: "dave", ladder: "engineering", level: "L4")]))
        _ = try await transport.deliver(settle)
        #expect(fake.alert(routingKey: Self.routingKey, dedupKey: trigger.dedupKey) == "acknowledged")
        settle.action = .settle(PageSettlement(outcome: .resolved, pages: [PagedLevel(person: "dave", ladder: "engineering", level: "L4")]))
        _ = try await transport.deliver(settle)
        #expect(fake.alert(routingKey: Self.routingKey, dedupKey: trigger.dedupKey) == "resolved")
        // Each settlement also goes under the keys of earlier versions, for their alerts: after
        // an upgrade from 0.13.0, its alert (one per level, no person, no tag) stayed open, and
        // PagerDuty went on notifying the on-call who had acknowledged in chat.
        #expect(fake.events.map(\.action) == ["trigger", "trigger"] + Array(repeating: "acknowledge", count: 3) + Array(repeating: "resolve", count: 3))
        let development = PagerDutyKey(incident: 7, ladder: "engineering", level: "L4", person: "dave").signed(with: Secret(Self.routingKey), declaredAt: nil)
        #expect(fake.events.suffix(2).map(\.dedupKey) == [development.text, "incident-bot/INC-7/engineering/L4"])
    }

    /// A database restored from a backup numbers its next incident as the lost one did, whose
    /// alert may still be open in PagerDuty (nobody could settle it): the new incident's page
    /// is an alert of its own, not a repeat of the open one that notifies nobody.
    @Test func aRestoredDatabasesIncidentOfTheSameNumberTriggersAnAlertOfItsOwn() async throws {
        let fake = FakePagerDuty()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let transport = PagerDutyTransport(eventsURL: fake.url, routingKeys: ["PD_DAVE": Secret(Self.routingKey)], links: Self.links,
                                           logger: Self.logger)
        let lost = Self.pageJob(method: .pagerduty, account: "PD_DAVE")
        var restored = lost
        restored.incidentDeclaredAt = TestConfig.at(90)
        _ = try await transport.deliver(lost)
        _ = try await transport.deliver(restored)
        let keys = fake.events.map(\.dedupKey)
        #expect(keys.count == 2 && keys[0] != keys[1])
        #expect(keys.allSatisfy { fake.alert(routingKey: Self.routingKey, dedupKey: $0) == "triggered" })
    }

    /// A rotation hands engineering.L4 over from dave to erin, both on one routing key (a
    /// rotation's shared PagerDuty service): closing dave's alert leaves erin's open, whichever
    /// reaches PagerDuty first.
    @Test func aHandoverClosesOnlyTheOutgoingPersonsAlert() async throws {
        let fake = FakePagerDuty()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let transport = PagerDutyTransport(eventsURL: fake.url, routingKeys: ["PD_ONCALL": Secret(Self.routingKey)], links: nil,
                                           logger: Self.logger)
        let daves = Self.pageJob(method: .pagerduty, account: "PD_ONCALL")
        var erins = daves
        erins.action = .directMessage(to: "erin", Message(.text("🔔 INC-7 (P0): Checkout is down")))
        erins.page?.person = "erin"
        erins.people["erin"] = Contact(person: "erin", handle: "@erin", account: "PD_ONCALL")
        var handedOver = daves
        handedOver.action = .settle(PageSettlement(outcome: .handedOver, pages: [PagedLevel(person: "dave", ladder: "engineering", level: "L4")]))
        _ = try await transport.deliver(daves)
        _ = try await transport.deliver(erins)
        _ = try await transport.deliver(handedOver)
        func key(_ person: PersonID) -> String {
            PagerDutyKey(incident: 7, ladder: "engineering", level: "L4", person: person).signed(with: Secret(Self.routingKey),
                                                                                                  declaredAt: TestConfig.start).text
        }
        #expect(fake.alert(routingKey: Self.routingKey, dedupKey: key("dave")) == "resolved")
        #expect(fake.alert(routingKey: Self.routingKey, dedupKey: key("erin")) == "triggered")
    }

    @Test func pagerDutysAnswersBecomeRetriesOrRefusals() async throws {
        let fake = FakePagerDuty()
        try await fake.start()
        defer { Task { await fake.stop() } }
        let transport = PagerDutyTransport(eventsURL: fake.url, routingKeys: ["PD_DAVE": Secret(Self.routingKey), "PD_BAD": Secret("short")],
                                           links: nil, logger: Self.logger)
        fake.behave(.rateLimited(calls: 1, retryAfter: 7))
        await #expect(throws: TransportError.unavailable("PagerDuty answered 429 (error throttle event)", retryAfter: .seconds(7))) {
            try await transport.deliver(Self.pageJob(method: .pagerduty, account: "PD_DAVE"))
        }
        fake.behave(.down)
        await #expect { try await transport.deliver(Self.pageJob(method: .pagerduty, account: "PD_DAVE")) } throws: { error in
            if case .unavailable = error as? TransportError { return true }
            return false
        }
        fake.behave(.working)
        // A key PagerDuty refuses is this person's to fix: refused, so the page fails over.
        await #expect { try await transport.deliver(Self.pageJob(method: .pagerduty, account: "PD_BAD")) } throws: { error in
            if case .rejected(let reason) = error as? TransportError { return reason.contains("400") }
            return false
        }
        await #expect { try await transport.deliver(Self.pageJob(method: .pagerduty, account: "PD_UNSET")) } throws: { error in
            if case .rejected(let reason) = error as? TransportError { return reason.contains("PD_UNSET") }
            return false
        }
    }

    /// A page's first mail waits up to 10 s for its incident's room, to link it, but not one
    /// queued by a replica whose clock runs ten minutes ahead: that wait would be the skew. Nor
    /// one to someone with no chat account, whose mail links no room.
    @Test func aMailDoesNotWaitOutAnotherReplicasClock() async throws {
        // Nothing listens on port 9: a mail that does not wait fails to connect, for now.
        let client = SMTPClient(settings: SMTPClient.Settings(host: "127.0.0.1", port: 9, security: .starttls))
        let transport = EmailTransport(client: client, from: "bot@example.org", links: nil, now: { TestConfig.start }, logger: Self.logger)
        func outcome(queuedAt: Timestamp, typesCommands: Bool = true) async -> String {
            var job = Self.pageJob(method: .email, account: "dave@example.org")
            job.queuedAt = queuedAt
            job.people["dave"]?.typesCommands = typesCommands
            do {
                _ = try await transport.deliver(job)
                return "delivered"
            } catch {
                if case .notYet = error { return "waits" }
                return "tried"
            }
        }
        #expect(await outcome(queuedAt: TestConfig.start - .seconds(3)) == "waits")
        #expect(await outcome(queuedAt: TestConfig.start + .minutes(10)) == "tried")
        #expect(await outcome(queuedAt: TestConfig.start - .seconds(30)) == "tried")
        #expect(await outcome(queuedAt: TestConfig.start - .seconds(3), typesCommands: false) == "tried")
    }

    /// What a page off chat shows its reader: without the line asking to type `/ack` when they
    /// have no chat account; as it is otherwise, and for a direct message that is no page.
    @Test func aPageLosesItsCommandLineOnlyForSomeoneWhoCannotTypeIt() {
        var job = Self.pageJob(method: .email, account: "dave@example.org")
        guard case .directMessage(_, let message) = job.action else { return }
        #expect(job.forItsReader(message) == message)
        job.people["dave"]?.typesCommands = false
        let read = job.forItsReader(message)
        #expect(!read.plainText().contains("/ack") && read.plainText().contains("You are paged as VP engineering"))
        #expect(read.lines.count == message.lines.count - 1 && read.actions == message.actions)
        job.page = nil
        #expect(job.forItsReader(message) == message)
    }

    @Test func aTextAndACallThroughTwilio() async throws {
        let fake = FakeTwilio()
        try await fake.start()
        defer { Task { await fake.stop() } }
        func transport(_ method: ContactMethod, token: String = FakeTwilio.authToken) -> TwilioTransport {
            TwilioTransport(method: method, apiURL: fake.apiURL, accountSID: FakeTwilio.accountSID, authToken: Secret(token),
                            from: "+15550100000", links: Self.links, logger: Self.logger)
        }
        _ = try await transport(.sms).deliver(Self.pageJob(method: .sms, account: "+15550100004"))
        _ = try await transport(.voice).deliver(Self.pageJob(method: .voice, account: "+15550100004"))
        let text = try #require(fake.sent.first { $0.resource == "Messages" })
        #expect(text.to == "+15550100004" && text.from == "+15550100000")
        #expect(text.content.contains("Reply ACK INC-7 to acknowledge.") && text.content.contains("https://bot.example.org/ack/"))
        // Whether the carrier delivered it comes back (`TwilioWebhooks.textEnded`).
        #expect(text.statusCallback?.hasPrefix("https://bot.example.org/webhooks/twilio/message-status/") == true, "\(text)")
        // Without a public URL no reply reaches the bot, so the text does not ask for one.
        let linkless = TwilioTransport(method: .sms, apiURL: fake.apiURL, accountSID: FakeTwilio.accountSID,
                                       authToken: Secret(FakeTwilio.authToken), from: "+15550100000", links: nil, logger: Self.logger)
        _ = try await linkless.deliver(Self.pageJob(method: .sms, account: "+15550100004"))
        let bare = try #require(fake.sent.last { $0.resource == "Messages" })
        #expect(bare.content.split(separator: "\n").dropFirst().first == "Acknowledge INC-7 in chat; replies to this number are not read."
                && !bare.content.contains("Reply ACK"), "\(bare.content)")
        // Someone with no chat account is not told to acknowledge there.
        var chatless = Self.pageJob(method: .sms, account: "+15550100004")
        chatless.people["dave"]?.typesCommands = false
        _ = try await linkless.deliver(chatless)
        let nowhere = try #require(fake.sent.last { $0.resource == "Messages" })
        #expect(!nowhere.content.contains("/ack INC") && !nowhere.content.contains("Reply ACK"), "\(nowhere.content)")
        #expect(nowhere.content.split(separator: "\n").dropFirst().first.map(String.init) == "This page cannot be acknowledged by text: you have no chat account the bot knows, "
                + "and it has no web address for answers. Its ladder goes on until INC-7 is acknowledged in chat.", "\(nowhere.content)")
        _ = try await transport(.sms).deliver(chatless)
        let replied = try #require(fake.sent.last { $0.resource == "Messages" })
        #expect(!replied.content.contains("/ack INC") && replied.content.contains("Reply ACK INC-7 to acknowledge."), "\(replied.content)")
        let call = try #require(fake.sent.first { $0.resource == "Calls" })
        #expect(call.content.hasPrefix("<Response><Gather numDigits=\"1\""))
        #expect(call.content.contains("action=\"https://bot.example.org/webhooks/twilio/voice/"))
        #expect(call.content.contains("Press 1 to acknowledge."))
        // The chat command is not read out, and no line ends twice.
        #expect(!call.content.contains("/ack") && !call.content.contains("..") && call.content.contains("(engineering L4).</Say>"), "\(call.content)")
        // A page that informs (the business ladder) asks for no answer it would refuse.
        _ = try await transport(.sms).deliver(Self.pageJob(method: .sms, account: "+15550100004", asksForAcknowledgement: false))
        _ = try await transport(.voice).deliver(Self.pageJob(method: .voice, account: "+15550100004", asksForAcknowledgement: false))
        let informed = try #require(fake.sent.last { $0.resource == "Messages" })
        #expect(!informed.content.contains("ACK") && !informed.content.contains("/ack/"), "\(informed.content)")
        let informCall = try #require(fake.sent.last { $0.resource == "Calls" })
        #expect(!informCall.content.contains("Gather") && !informCall.content.contains("Press 1"), "\(informCall.content)")
        // What the person typed is spoken, never read as TwiML.
        #expect(call.content.contains("Checkout &lt;down&gt; &amp; &quot;out&quot;") && !call.content.contains("<down>"))

        await #expect { try await transport(.sms).deliver(Self.pageJob(method: .sms, account: "555-0100")) } throws: { error in
            // The reason reaches the incident's room: Twilio's code, never its text quoting the number.
            if case .rejected(let reason) = error as? TransportError { return reason.contains("21211") && !reason.contains("555") }
            return false
        }
        await #expect { try await transport(.sms, token: "wrong").deliver(Self.pageJob(method: .sms, account: "+15550100004")) } throws: { error in
            if case .unavailable(let reason, _) = error as? TransportError { return reason.contains("credentials") }
            return false
        }
        fake.behave(.rateLimited(calls: 1, retryAfter: 3))
        await #expect { try await transport(.sms).deliver(Self.pageJob(method: .sms, account: "+15550100004")) } throws: { error in
            if case .unavailable(let reason, let after) = error as? TransportError { return reason.contains("20429") && after == .seconds(3) }
            return false
        }
    }

    /// Twilio's published example, and the SDK's own signature for a callback, both verify.
    @Test func twilioSignaturesAreCheckedAsTwilioMakesThem() async throws {
        let signature = TwilioSignature(authToken: Secret("12345"))
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        let parameters: [(key: String, value: String)] = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
                                                          ("From", "+14158675309"), ("To", "+18005551212")]
        #expect(signature.sign(url: url, parameters: parameters) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(signature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: url, parameters: parameters))
        // Signed with the port Twilio sometimes includes, checked against the URL without it.
        #expect(signature.verify("kvajT1Ptam85bY51eRf/AJRuM3w=", url: url, parameters: parameters))
        #expect(signature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: parameters))
        #expect(!signature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: url, parameters: parameters.dropLast() + [("To", "+18005550000")]))
        #expect(!signature.verify(nil, url: url, parameters: parameters))
        let fromSDK = try await ProviderSigners.twilio(token: "12345", url: "https://bot.example.org/webhooks/twilio/sms",
                                                 parameters: ["From": "+15550100004", "Body": "ACK INC-7", "MessageSid": "SM1"])
        #expect(signature.verify(fromSDK, url: "https://bot.example.org/webhooks/twilio/sms",
                                 parameters: [("Body", "ACK INC-7"), ("From", "+15550100004"), ("MessageSid", "SM1")]))
    }

    /// While the auth token is rotated, a callback signed with the secondary token (Twilio
    /// signs with the one just promoted) is taken; one signed with neither is not.
    @Test func aTwilioSignatureByTheSecondaryTokenIsTakenDuringARotation() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        let parameters: [(key: String, value: String)] = [("CallSid", "CA1234567890ABCDE"), ("Digits", "1")]
        let promoted = TwilioSignature(authToken: Secret("67890")).sign(url: url, parameters: parameters)
        #expect(!TwilioSignature(authToken: Secret("12345")).verify(promoted, url: url, parameters: parameters))
        let rotating = TwilioSignature(authToken: Secret("12345"), also: [Secret("67890")])
        #expect(rotating.verify(promoted, url: url, parameters: parameters))
        #expect(rotating.verify(rotating.sign(url: url, parameters: parameters), url: url, parameters: parameters))
        let stranger = TwilioSignature(authToken: Secret("00000")).sign(url: url, parameters: parameters)
        #expect(!rotating.verify(stranger, url: url, parameters: parameters))
    }

    @Test func theWebhookIsSignedAsDocumented() async throws {
        let body = #"{"type":"page"}"#
        let header = WebhookTransport.signature(body: body, at: TestConfig.start, secret: Secret("a-webhook-secret-of-32-characters!!"))
        let expected = try await ProviderSigners.hmacSHA256(secret: "a-webhook-secret-of-32-characters!!",
                                                      message: "\(TestConfig.start.secondsSinceEpoch).\(body)")
        #expect(header == "t=\(TestConfig.start.secondsSinceEpoch),v1=\(expected)")
    }

    @Test func pagerDutyKeysReadBackWhatTheyWrite() {
        let key = PagerDutyKey(incident: 12, ladder: "engineering", level: "L3", person: "carol")
        #expect(key.text == "incident-bot/INC-12/engineering/L3/carol")
        #expect(PagerDutyKey(key.text) == key)
        #expect(PagerDutyKey("incident-bot/INC-12/engineering/L3") == PagerDutyKey(incident: 12, ladder: "engineering", level: "L3", person: nil))
        #expect(PagerDutyKey("incident-bot/INC-12/engineering/L3/") == nil)
        #expect(PagerDutyKey("incident-bot/INC-0/engineering/L3") == nil)
        #expect(PagerDutyKey("someone-else/INC-3/engineering/L3") == nil)
        #expect(PagerDutyKey("incident-bot/INC-3/engineering") == nil)
        // Signed with the routing key its page went to: read back, and checked against that key only.
        let declared = TestConfig.start, routingKey = Secret(Self.routingKey)
        let signed = key.signed(with: routingKey, declaredAt: declared)
        #expect(signed.text.hasPrefix("incident-bot/INC-12/engineering/L3/carol/") && signed.tag?.count == 16)
        #expect(PagerDutyKey(signed.text) == signed)
        #expect(signed.isSigned(by: routingKey, declaredAt: declared))
        #expect(!signed.isSigned(by: Secret("another-routing-key-0123456789ab"), declaredAt: declared))
        // Another incident of the same number (a restored database's) is not this one.
        #expect(!signed.isSigned(by: routingKey, declaredAt: TestConfig.at(90)))
        // The tag of versions before 0.14 (no declaration in it) is still taken.
        #expect(key.signed(with: routingKey, declaredAt: nil).isSigned(by: routingKey, declaredAt: declared))
        #expect(!key.isSigned(by: routingKey, declaredAt: declared))
        var forged = signed
        forged.tag = "0000000000000000"
        #expect(!forged.isSigned(by: routingKey, declaredAt: declared))
        #expect(PagerDutyKey(signed.text + "/more") == nil)
    }
}
