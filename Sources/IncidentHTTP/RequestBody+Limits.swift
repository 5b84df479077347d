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
public enum LimitedBody {
    public enum Read: Sendable {
        case body([UInt8])
        /// Over the limit, by its Content-Length or as it arrived: answer 413.
        case tooLarge
        /// Not all there within the timeout: answer 408 and close.
        case tooSlow
        /// The connection broke mid-body.
        case broken
    }

    public static func read(_ request: Request, upTo limit: Int, within timeout: Duration) async -> Read {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { return .tooLarge }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var body: ByteBuffer?
        do {
            for try await part in request.body {
                guard (body?.readableBytes ?? 0) + part.readableBytes <= limit else { return .tooLarge }
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
        case .broken, .body: Response(status: .badRequest)
        }
    }
}
