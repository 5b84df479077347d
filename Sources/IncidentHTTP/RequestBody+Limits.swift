import HTTPTypes
import Hummingbird
import NIOCore

/// How every door on the HTTP listener reads a request body: at most `limit` bytes, all of it
/// within `timeout`, so neither a huge body nor a client that sends slowly holds the bot up.
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
        do {
            return try await withThrowingTaskGroup(of: Read.self) { group in
                group.addTask { .body(Array(try await request.body.collect(upTo: limit).readableBytesView)) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .tooSlow
                }
                defer { group.cancelAll() }
                return try await group.next() ?? .tooSlow
            }
        } catch is NIOTooManyBytesError {
            return .tooLarge
        } catch {
            return .broken
        }
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
