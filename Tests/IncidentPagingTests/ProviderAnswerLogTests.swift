import Foundation
import IncidentCore
import IncidentEngine
@testable import IncidentPaging
import IncidentTesting
import IncidentWire
import Logging
import Testing

/// What the log shows of a provider's answer: a provider, a proxy or a team's webhook may quote
/// the request in its error, and neither a secret it carried nor a page's acknowledge token
/// (which stops the page's ladder) may reach the log that way.
@Suite struct ProviderAnswerLogTests {
    /// A provider, a proxy or a team's webhook that quotes the request in its error (the
    /// routing key, the auth token) does not put the secret in the log: the answer's text
    /// redacts what the request carried, also where the log's cut would fall inside it.
    @Test func anAnswerQuotingTheRequestsSecretIsLoggedWithoutIt() {
        let key = ProviderTransportTests.routingKey
        let quoted = ProviderHTTP.Answer(status: 400, headers: [:], body: Array(#"{"errors": ["Routing key is invalid: \#(key)"]}"#.utf8),
                                         secrets: [Secret(key)])
        #expect(!quoted.text.contains(key) && quoted.text.contains("Routing key is invalid: <redacted>"), "\(quoted.text)")
        let atTheCut = ProviderHTTP.Answer(status: 400, headers: [:], body: Array((String(repeating: "x", count: 590) + key).utf8),
                                           secrets: [Secret(key)])
        #expect(!atTheCut.text.contains(key.prefix(10)) && atTheCut.text.count <= 600, "\(atTheCut.text)")
        // Quoted as a proxy encodes it (RFC 3986 keeps `_`), in lower-case hex, or JSON-escaped.
        let odd = "SECRET_pd/key+12345="
        let encoded = ProviderHTTP.Answer(status: 400, headers: [:],
                                          body: Array(#"key SECRET_pd%2Fkey%2B12345%3D, SECRET_pd%2fkey%2b12345%3d, SECRET_pd\/key+12345="#.utf8),
                                          secrets: [Secret(odd)])
        #expect(encoded.text == "key <redacted>, <redacted>, <redacted>", "\(encoded.text)")
    }

    /// A proxy in front of Twilio that answers 400 quoting the whole request, headers first:
    /// the log shows neither the auth token, raw or inside the base64 `Authorization: Basic`
    /// it goes in, nor the page's acknowledge tokens (the link in the text and the status
    /// callback's), any of which would let whoever reads the log stop the page's ladder.
    @Test func aProviderQuotingTheWholeRequestLeavesNoCredentialOrTokenInTheLog() async throws {
        let proxy = try await ScriptedServer("""
        head = b""
        while not head.endswith(b"\\r\\n\\r\\n"):
            head += f.read(1)
        length = int([l for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
        body = f.read(length)
        quoted = head + body
        c.sendall(b"HTTP/1.1 400 Bad Request\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(quoted) + quoted)
        """)
        defer { proxy.stop() }
        let token = "5ec2e7a0authtoken0123456789abcdef"
        let log = LogRecorder()
        let transport = TwilioTransport(method: .sms, apiURL: "http://127.0.0.1:\(proxy.port)", accountSID: "AC0123456789abcdef0123456789abcdef",
                                        authToken: Secret(token), from: "+15550100000", links: ProviderTransportTests.links, logger: log.logger)
        await #expect(throws: TransportError.self) { try await transport.deliver(ProviderTransportTests.pageJob(method: .sms, account: "+15550100004")) }
        let answer = try #require(log.metadataOfLines.withLock { $0.compactMap { $0["answer"].map { "\($0)" } }.first })
        let basic = Base64URL.standard(Array("AC0123456789abcdef0123456789abcdef:\(token)".utf8))
        #expect(answer.contains("Authorization: <redacted>"), "\(answer)")
        #expect(answer.contains("<acknowledge token>"), "\(answer)")
        #expect(!answer.contains(basic) && !answer.contains(token) && !answer.contains("eyJ"), "\(answer)")
    }

    /// An acknowledge token is blanked wherever it stands (a link, a callback URL, on its
    /// own); text around it, and a dotted name that is no token, stay.
    @Test func acknowledgeTokensAreBlankedInWhatIsLogged() {
        let token = ProviderTransportTests.links.token(incident: 7, person: "dave", page: "INC-7/3@sms", method: .sms, queuedAt: TestConfig.start,
                                     declaredAt: TestConfig.start)
        let text = "link https://bot.example.org/ack/\(token) callback=https%3A%2F%2Fbot.example.org%2Fcall-status%2F\(token)&x=1 bare \(token)."
        #expect(AckLinks.blankingTokens(in: text) == "link https://bot.example.org/ack/<acknowledge token> "
            + "callback=https%3A%2F%2Fbot.example.org%2Fcall-status%2F<acknowledge token>&x=1 bare <acknowledge token>.")
        // Encoded again by a proxy, its dot and dashes too.
        let encoded = token.replacingOccurrences(of: ".", with: "%2E").replacingOccurrences(of: "-", with: "%2D")
        #expect(AckLinks.blankingTokens(in: "url=\(encoded)&y=2") == "url=<acknowledge token>&y=2")
        // Cut by the end of what is read of the answer (text that is not ASCII makes it under
        // 600 characters): its start does not stay.
        let cut = ProviderHTTP.Answer(status: 400, headers: [:], body: Array((String(repeating: "é", count: 520) + " link " + token + " more").utf8))
        #expect(!cut.text.contains("eyJ") && cut.text.hasSuffix("link "), "\(cut.text.suffix(40))")
    }
}
