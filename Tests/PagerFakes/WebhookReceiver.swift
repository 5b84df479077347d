import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SlackFake
import Synchronization

/// A team's own endpoint for the generic webhook: keeps each request's headers and body, and
/// answers with the next status it is told to (200 when told nothing).
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        /// By lower-case name.
        public var headers: [String: String]
        public var body: String
    }

    let state = Mutex<(received: [Received], statuses: [Int])>(([], []))
    let server = Mutex<RunningServer?>(nil)

    public init() {}

    public var url: String { "http://127.0.0.1:\(server.withLock { $0?.port ?? 0 })/pager" }
    public var received: [Received] { state.withLock { $0.received } }
    /// The next answers, in order (`429`, `503`, `400`...).
    public func answer(_ statuses: Int...) { state.withLock { $0.statuses += statuses } }

    public func start() async throws {
        let router = Router()
        router.post("/pager") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 100_000))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = self.state.withLock { state -> Int in
                state.received.append(Received(headers: headers, body: body))
                return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
            }
            return Response(status: HTTPResponse.Status(code: status))
        }
        let running = try await RunningServer.start(router, label: "webhook-receiver")
        server.withLock { $0 = running }
    }

    public func stop() async { await server.withLock { $0 }?.stop() }
}
