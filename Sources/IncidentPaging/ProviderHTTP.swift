import AsyncHTTPClient
import Foundation
import IncidentEngine
import IncidentHTTP
import IncidentWire
import Logging
import NIOCore
import NIOHTTP1

/// The one way pager methods call a provider's HTTP API (PagerDuty, Twilio, a team's webhook):
/// a request with a deadline, and the answer sorted into what delivery must do with it.
struct ProviderHTTP: Sendable {
    let client: HTTPClient
    let timeout: Duration

    /// The providers' client: it follows no redirect. Following one would turn a page's POST
    /// into a GET without its body (a 301 to https, say) whose 200 looked delivered, or carry a
    /// routing key to another host; a 3xx is the provider's answer, and a refusal. A read
    /// timeout and `send`'s deadline bound a body trickled after its status.
    static let providers = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: OutboundHTTP.connectTimeout, read: .seconds(10))
        return configuration
    }(), backgroundActivityLogger: Logger(label: "incident-bot.providers", factory: { _ in SwiftLogNoOpLogHandler() }))

    init(client: HTTPClient = ProviderHTTP.providers, timeout: Duration = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        /// What the request carried that must not be logged (a routing key, a token, the
        /// credentials of its `Authorization` header): a provider, a proxy or a team's webhook
        /// may quote the request in its error, headers and all.
        var secrets: [Secret] = []

        /// The answer's start, for the log: each secret the request carried redacted in each
        /// form it may be quoted in (`Secret.redacting`), and every acknowledge token blanked
        /// (`AckLinks.blankingTokens`: one read from the log would stop a page's ladder),
        /// before it is cut, so a secret at the cut does not leave its first part behind.
        var text: String {
            let window = body.prefix(600 + 512)
            var text = String(decoding: window, as: UTF8.self)
            // A token or a credential cut by the window's end would not be seen whole below, and
            // its start would stay (the window can be under 600 characters of text that is not
            // ASCII): the run of their characters the window ends in goes.
            if body.count > window.count {
                while let last = text.unicodeScalars.last, last.isASCII, last.properties.isAlphabetic || last.properties.numericType != nil
                        || "-_.%+/=".unicodeScalars.contains(last) {
                    text.unicodeScalars.removeLast()
                }
            }
            return String(AckLinks.blankingTokens(in: Secret.redacting(secrets, in: text)).prefix(600))
        }

        /// The provider's own code for the error, when its JSON answer has one: Twilio's
        /// `code` (21211, an invalid number), or PagerDuty's `status` (`invalid event`).
        var errorCode: String? {
            guard let json = JSONValue.parse(body) else { return nil }
            if let code = json["code"]?.int { return "\(code)" }
            // A bare "error" (a team's webhook answering {"status": "error"}) is no code: the
            // reason read "(error error)".
            guard let status = json["status"]?.string, status.count <= 40, !["error", "failure", "failed"].contains(status.lowercased()),
                  status.allSatisfy({ $0.isLetter || $0 == " " || $0 == "_" }) else { return nil }
            return status
        }

        /// `Retry-After` in seconds, as providers send it with a 429 or a 503.
        var retryAfter: Duration? {
            headers.first(name: "Retry-After").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.map { .seconds(max($0, 1)) }
        }
    }

    /// Sends the request; a network failure or a timeout is `.unavailable` (worth retrying).
    /// `secrets`: what the request carries that its answer's text must not show (`Answer.secrets`).
    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8], provider: String, secrets: [Secret] = [])
        async throws(TransportError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = TermCheckedBody.bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let deadline = ContinuousClock.now + timeout
        do {
            response = try await client.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
        } catch {
            throw .unavailable("\(provider) cannot be reached: \(HTTPClientFailure.describe(error))")
        }
        let status = Int(response.status.code)
        let carried = secrets + Self.credentials(in: headers)
        do {
            let collected = try await OutboundHTTP.body(of: response, upTo: 1 << 20, by: deadline)
            return Answer(status: status, headers: response.headers, body: Array(buffer: collected), secrets: carried)
        } catch where (200..<300).contains(status) {
            // The provider took the page with its status line; what was lost after it is only
            // the receipt. Trying again would send a second text or place a second call.
            return Answer(status: status, headers: response.headers, body: [], secrets: carried)
        } catch {
            throw .unavailable("\(provider) answered \(status), then the connection failed: \(HTTPClientFailure.describe(error))")
        }
    }

    /// The credentials of a request's `Authorization` headers, whole and without their scheme
    /// (Twilio's `Basic` is the account and its auth token, base64-encoded).
    static func credentials(in headers: [(String, String)]) -> [Secret] {
        headers.filter { $0.0.lowercased() == "authorization" }.flatMap { _, value in
            [value, value.split(separator: " ", maxSplits: 1).last.map(String.init) ?? value].map(Secret.init)
        }
    }

    /// What an answer that is not a success means for delivery: 429 and 5xx are worth
    /// retrying (after the provider's `Retry-After` when it sends one), the rest are refusals.
    /// The reason, which the incident's room and timeline show, carries the status and the
    /// provider's error code, never its text: Twilio's quotes the phone number it refused.
    /// The text goes to the operator's log.
    /// A refusal that is not for now (a 400, a 404, a webhook's 410 Gone) is the operator's to
    /// fix, and logged as an error; a provider busy or down, as a warning.
    /// `check`: what the operator is to look at when the provider refuses.
    static func failure(_ answer: Answer, provider: String, check: String = "its address and settings", logger: Logger) -> TransportError {
        let reason = "\(provider) answered \(answer.status)" + (answer.errorCode.map { " (error \($0))" } ?? "")
        let metadata: Logger.Metadata = ["status": "\(answer.status)", "answer": "\(answer.text)"]
        if answer.status == 429 || answer.status >= 500 || answer.status == 408 {
            logger.warning("\(provider) did not take the request", metadata: metadata)
            return .unavailable(reason, retryAfter: answer.retryAfter)
        }
        logger.error("\(provider) refuses the request: check \(check)", metadata: metadata)
        return .rejected(reason)
    }
}
