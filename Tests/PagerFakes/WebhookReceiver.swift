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
    let landings = Mutex(0)

    public init() {}

    public var url: String { "http://127.0.0.1:\(server.withLock { $0?.port ?? 0 })/pager" }
    public var received: [Received] { state.withLock { $0.received } }
    /// Requests that followed a redirect to `/landing`.
    public var landed: Int { landings.withLock { $0 } }
    /// The next answers, in order (`429`, `503`, `400`...; a 3xx redirects to `/landing`).
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
            // A redirect points at /landing, which takes any method and answers 200.
            guard (300..<400).contains(status) else { return Response(status: HTTPResponse.Status(code: status)) }
            return Response(status: HTTPResponse.Status(code: status), headers: [.location: "/landing"])
        }
        router.on("/landing", method: .get) { _, _ -> Response in
            self.landings.withLock { $0 += 1 }
            return Response(status: .ok)
        }
        router.on("/landing", method: .post) { _, _ -> Response in
            self.landings.withLock { $0 += 1 }
            return Response(status: .ok)
        }
        let running = try await RunningServer.start(router, label: "webhook-receiver")
        server.withLock { $0 = running }
    }

    public func stop() async { await server.withLock { $0 }?.stop() }
}
