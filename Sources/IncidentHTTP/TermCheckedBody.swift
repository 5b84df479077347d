import AsyncHTTPClient
import IncidentEngine
import NIOCore

/// How every call the bot makes out (Slack's Web API, Matrix, the paging providers) carries
/// its body. Under a leader term the bytes are handed over only when the HTTP client asks for
/// them, which it does once a connection is ready and the request's head is written, and only
/// if the term still holds then. A leader paused while its request waited for a connection or
/// for the event loop wakes to a term that is over: the body never leaves, the connection is
/// closed, and the server drops the request it never received whole. Alone on its database
/// (no term), the body is plain bytes.
///
/// What it leaves: the client takes the chunk in a task and hands it to the event loop that
/// writes it, so a pause in that hop still sends the body on waking; an empty body is never
/// asked for, so it is not checked (no send of delivery's has one); and a body that can be
/// read once is not sent again after a 307 or 308 redirect, which comes back as the answer.
public enum TermCheckedBody {
    public static func bytes(_ bytes: ByteBuffer) -> HTTPClientRequest.Body {
        guard let term = LeaderTerm.current else { return .bytes(bytes) }
        return .stream(Once(bytes: bytes, term: term), length: .known(bytes.readableBytes))
    }

    /// The body as one chunk, given out only while `term` holds.
    struct Once: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let bytes: ByteBuffer
        let term: LeaderTerm

        func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes, term: term) }

        struct Iterator: AsyncIteratorProtocol {
            var bytes: ByteBuffer?
            let term: LeaderTerm

            mutating func next() async throws -> ByteBuffer? {
                guard let chunk = bytes else { return nil }
                bytes = nil
                try term.mustHold()
                return chunk
            }
        }
    }
}
