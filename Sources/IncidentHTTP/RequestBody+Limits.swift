import HTTPTypes
import Hummingbird
import NIOCore

/// How every door on the HTTP listener reads a request body: at most `limit` bytes, all of it
/// within `timeout`, so neither a huge body nor a client that sends slowly holds the bot up.
///
/// The deadline is checked as each part of the body arrives, which costs a clock read instead
/// of a timer for every request. A client that stops sending altogether is cut off by the
/// listener's idle timeout (`read_timeout`, HTTPListener), so a body is refused at most one
/// such gap after its deadline.
///
/// Every body's first `BodyBudget.free` bytes are its own; past them, the bodies being read at
/// once share `BodyBudget.shared`, and one that finds it spent is refused (503) rather than
/// held. Bodies are read before their signature can be checked, so 900 connections each
/// sending an unsigned body just under `max_body` (1 MiB) held 1.3 GB of the bot's memory.
/// Slack's, Twilio's and PagerDuty's requests are a few kilobytes: they never wait on it.
public enum LimitedBody {
    public enum Read: Sendable {
        case body([UInt8])
        /// Over the limit, by its Content-Length or as it arrived: answer 413.
        case tooLarge
        /// Not all there within the timeout: answer 408 and close.
        case tooSlow
        /// The bodies being read at once hold all the memory they may: answer 503 and close.
        case busy
        /// The connection broke mid-body.
        case broken
    }

    public static func read(_ request: Request, upTo limit: Int, within timeout: Duration,
                            budget: BodyBudget = .shared) async -> Read {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { return .tooLarge }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var body: ByteBuffer?
        var held = 0
        defer { budget.release(held) }
        do {
            for try await part in request.body {
                let size = (body?.readableBytes ?? 0) + part.readableBytes
                guard size <= limit else { return .tooLarge }
                let owed = max(0, size - BodyBudget.free) - held
                if owed > 0 {
                    guard budget.reserve(owed) else { return .busy }
                    held += owed
                }
                if body == nil { body = part } else { body!.writeImmutableBuffer(part) }
                if ContinuousClock.now > deadline { return .tooSlow }
            }
        } catch {
            return .broken
        }
        return .body(body.map { Array($0.readableBytesView) } ?? [])
    }
}

/// Small answers every door gives.
public enum Answers {
    public static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    public static func json(_ status: HTTPResponse.Status = .ok, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    public static func xml(_ status: HTTPResponse.Status = .ok, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The answer to what `LimitedBody.read` refused.
    public static func refusal(_ read: LimitedBody.Read) -> Response {
        switch read {
        case .tooLarge: Response(status: .contentTooLarge)
        case .tooSlow: Response(status: .requestTimeout, headers: [.connection: "close"])
        case .busy:
            Response(status: .serviceUnavailable, headers: [.connection: "close", .retryAfter: "1", .contentType: "text/plain; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: "too many large request bodies at once; send again\n")))
        case .broken, .body: Response(status: .badRequest)
        }
    }
}
