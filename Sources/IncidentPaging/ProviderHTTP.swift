import AsyncHTTPClient
import Foundation
import IncidentEngine
import IncidentHTTP
import NIOCore
import NIOHTTP1

/// The one way pager methods call a provider's HTTP API (PagerDuty, Twilio, a team's webhook):
/// a request with a deadline, and the answer sorted into what delivery must do with it.
struct ProviderHTTP: Sendable {
    let client: HTTPClient
    let timeout: Duration

    init(client: HTTPClient = .shared, timeout: Duration = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        var text: String { String(decoding: body.prefix(600), as: UTF8.self) }

        /// `Retry-After` in seconds, as providers send it with a 429 or a 503.
        var retryAfter: Duration? {
            headers.first(name: "Retry-After").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.map { .seconds(max($0, 1)) }
        }
    }

    /// Sends the request; a network failure or a timeout is `.unavailable` (worth retrying).
    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8], provider: String)
        async throws(TransportError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = TermCheckedBody.bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
            let collected = try await response.body.collect(upTo: 1 << 20)
            return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: collected))
        } catch {
            throw .unavailable("\(provider) cannot be reached: \(error)")
        }
    }

    /// What an answer that is not a success means for delivery: 429 and 5xx are worth
    /// retrying (after the provider's `Retry-After` when it sends one), the rest are refusals.
    static func failure(_ answer: Answer, provider: String) -> TransportError {
        let reason = "\(provider) answered \(answer.status): \(answer.text)"
        if answer.status == 429 || answer.status >= 500 || answer.status == 408 {
            return .unavailable(reason, retryAfter: answer.retryAfter)
        }
        return .rejected(reason)
    }
}
