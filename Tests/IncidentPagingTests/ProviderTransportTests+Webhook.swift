import Foundation
import IncidentCore
import IncidentEngine
@testable import IncidentPaging
import IncidentTesting
import IncidentWire
import Logging
import PagerFakes
import Testing

/// The generic webhook against its receiver: signed, answerable, and refused when redirected or trickled.
extension ProviderTransportTests {
    /// The generic webhook: a JSON page with the acknowledge link, a stable idempotency key and
    /// a signature the receiver can check with nothing but HMAC-SHA256; its answers become
    /// retries or refusals.
    @Test func theWebhookCarriesASignedPageWithItsAcknowledgeLink() async throws {
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let secret = "a-webhook-secret-of-32-characters!!"
        let transport = WebhookTransport(url: receiver.url, secret: Secret(secret), links: Self.links, now: { TestConfig.start },
                                         logger: Self.logger)
        _ = try await transport.deliver(Self.pageJob(method: .webhook, account: "dave-pager"))
        let request = try #require(receiver.received.first)
        let body = try #require(JSONValue.parse(Array(request.body.utf8)))
        #expect(body["incident"]?.string == "INC-7" && body["person"]?.string == "dave" && body["address"]?.string == "dave-pager")
        #expect(body["role"]?.string == "VP engineering" && body["severity"]?.string == "P0")
        #expect(body["acknowledge_url"]?.string?.hasPrefix("https://bot.example.org/ack/") == true)
        // The outbox key, and what makes it this database's: the same on a retry, another
        // for another database's INC-7 (a receiver that drops keys it has seen would drop the
        // page of a fresh or restored database).
        let key = try #require(request.headers["idempotency-key"])
        #expect(key.hasPrefix("INC-7/3@webhook/") && key.count == "INC-7/3@webhook/".count + 32, "\(key)")
        // The same key in the body, which the signature covers.
        #expect(body["idempotency_key"]?.string == key)
        _ = try await transport.deliver(Self.pageJob(method: .webhook, account: "dave-pager"))
        #expect(receiver.received.last?.headers["idempotency-key"] == key)
        let otherDatabase = WebhookTransport(url: receiver.url, secret: Secret(secret),
                                             links: AckLinks(secret: Array("another-database-secret-of-32-chars".utf8),
                                                             publicURL: "https://bot.example.org", validity: .hours(24)),
                                             now: { TestConfig.start }, logger: Self.logger)
        _ = try await otherDatabase.deliver(Self.pageJob(method: .webhook, account: "dave-pager"))
        #expect(receiver.received.last?.headers["idempotency-key"] != key)
        let stamp = "\(TestConfig.start.secondsSinceEpoch)"
        let mac = try await ProviderSigners.hmacSHA256(secret: secret, message: "\(stamp).\(request.body)")
        #expect(request.headers["x-incident-bot-signature"] == "t=\(stamp),v1=\(mac)")

        receiver.answer(503, 400)
        await #expect { try await transport.deliver(Self.pageJob(method: .webhook, account: "dave-pager")) } throws: { error in
            if case .unavailable = error as? TransportError { return true }
            return false
        }
        await #expect { try await transport.deliver(Self.pageJob(method: .webhook, account: "dave-pager")) } throws: { error in
            if case .rejected = error as? TransportError { return true }
            return false
        }
        #expect(receiver.received.count == 5)
    }

    /// The team's webhook for someone with no chat account: no `/ack` line; with no public
    /// address (no acknowledge link), the text says no answer can be taken there.
    @Test func aWebhookPageToSomeoneWithNoChatAccountSaysHowItIsAnswered() async throws {
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let secret = Secret("a-webhook-secret-of-32-characters!!")
        var chatless = Self.pageJob(method: .webhook, account: "dave-pager")
        chatless.people["dave"]?.typesCommands = false
        func text(links: AckLinks?) async throws -> String {
            let transport = WebhookTransport(url: receiver.url, secret: secret, links: links, now: { TestConfig.start }, logger: Self.logger)
            _ = try await transport.deliver(chatless)
            let request = try #require(receiver.received.last)
            let body = try #require(JSONValue.parse(Array(request.body.utf8)))
            return try #require(body["text"]?.string)
        }
        let bare = try await text(links: nil)
        #expect(!bare.contains("/ack INC") && bare.hasSuffix("\nThis page cannot be acknowledged by this message: you have no chat account the bot "
                                                             + "knows, and it has no web address for answers. Its ladder goes on until INC-7 is "
                                                             + "acknowledged in chat."), "\(bare)")
        let linked = try await text(links: Self.links)
        #expect(!linked.contains("/ack INC") && !linked.contains("cannot be acknowledged"), "\(linked)")
    }

    /// A webhook URL that redirects (a proxy's 301 to https) is refused, so the page fails
    /// over. Followed, the POST became a GET without the page, and its 200 counted as delivered.
    @Test func aRedirectedWebhookIsARefusalNotADelivery() async throws {
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let transport = WebhookTransport(url: receiver.url, secret: Secret("a-webhook-secret-of-32-characters!!"), links: nil,
                                         now: { TestConfig.start }, logger: Self.logger)
        for status in [301, 302, 307, 308] {
            receiver.answer(status)
            await #expect { try await transport.deliver(Self.pageJob(method: .webhook, account: "dave-pager")) } throws: { error in
                if case .rejected(let reason) = error as? TransportError { return reason.contains("\(status)") }
                return false
            }
        }
        #expect(receiver.landed == 0)
    }

    /// A provider that answers 500 at once and then sends its body a byte at a time: the
    /// client's read timeout restarts with every byte and its deadline ended with the status,
    /// so the page's lane waited for good, the page never failed over, and nothing was logged.
    /// The call's time limit now covers the body too.
    @Test func anAnswerTrickledAfterItsStatusIsCutAtTheTimeLimit() async throws {
        let provider = try await ScriptedServer("""
        while f.readline() not in (b"\\r\\n", b""): pass
        c.sendall(b"HTTP/1.1 500 Internal Server Error\\r\\nContent-Type: application/json\\r\\nContent-Length: 100000\\r\\n\\r\\n")
        import time
        try:
            for _ in range(100000):
                c.sendall(b" "); time.sleep(0.2)
        except Exception:
            pass
        """)
        defer { provider.stop() }
        let started = ContinuousClock.now
        await #expect {
            _ = try await ProviderHTTP(timeout: .seconds(2)).send(.POST, "http://127.0.0.1:\(provider.port)/v2/enqueue",
                                                                 headers: [], body: Array("{}".utf8), provider: "PagerDuty")
        } throws: { error in
            if case .unavailable(let reason, _) = error as? TransportError { return reason.contains("answered 500") }
            return false
        }
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    /// A team's webhook answering `{"status": "error"}` gives no error code: the room read
    /// "(error error)". PagerDuty's own status (`invalid event`) is still shown.
    @Test func aBareErrorStatusIsNoErrorCode() {
        func code(_ json: String) -> String? {
            ProviderHTTP.Answer(status: 500, headers: [:], body: Array(json.utf8)).errorCode
        }
        #expect(code(#"{"status":"error"}"#) == nil)
        #expect(code(#"{"status":"invalid event","message":"Event object is invalid"}"#) == "invalid event")
        #expect(code(#"{"code":21211,"message":"Invalid 'To' Phone Number"}"#) == "21211")
    }
}
