import Foundation
import HummingbirdWebSocket
import IncidentSlack
import IncidentWire

/// Socket Mode, as Slack runs it: `hello` on connect, envelopes with an `envelope_id` that the
/// app must acknowledge, `disconnect` when Slack wants a new connection, and envelopes that
/// were not acknowledged sent again (with `retry_attempt` raised) on the next connection.
extension FakeSlack {
    struct Dropped: Error {}

    func socket(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (commands, continuation) = AsyncStream<SocketCommand>.makeStream()
        let (id, resend, withholdsHello) = state.withLock { state in
            let withholds = state.helloWithheld > 0
            if withholds { state.helloWithheld -= 1 }
            let id = state.nextSocket
            state.nextSocket += 1
            state.sockets[id] = continuation
            for index in state.unacked.indices {
                var envelope = state.unacked[index].envelope.object ?? [:]
                envelope["retry_attempt"] = .number(Double((envelope["retry_attempt"]?.int ?? 0) + 1))
                envelope["retry_reason"] = "timeout"
                state.unacked[index].envelope = .object(envelope)
            }
            return (id, state.unacked.map(\.envelope), withholds)
        }
        defer { _ = state.withLock { $0.sockets.removeValue(forKey: id) } }
        let hello: JSONValue = ["type": "hello", "num_connections": 1, "connection_info": ["app_id": "AINCBOT01"],
                                "debug_info": ["host": "fake-slack", "approximate_connection_time": 3600]]
        if withholdsHello {
            // Connected, and silent: no `hello`, nothing sent, until the app closes it.
            for try await _ in inbound.messages(maxSize: 1 << 20) {}
            return
        }
        try await outbound.write(.text(hello.text))
        for envelope in resend { try await outbound.write(.text(envelope.text)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let ack = JSONValue.parse(Array(text.utf8)),
                          let envelopeID = ack["envelope_id"]?.string else { continue }
                    self.state.withLock { state in
                        state.acks.append((envelopeID, ack["payload"]))
                        state.unacked.removeAll { $0.id == envelopeID }
                    }
                }
            }
            group.addTask {
                for await command in commands {
                    switch command {
                    case .send(let text): try await outbound.write(.text(text))
                    case .disconnect:
                        let message: JSONValue = ["type": "disconnect", "reason": "refresh_requested",
                                                  "debug_info": ["host": "fake-slack"]]
                        try await outbound.write(.text(message.text))
                    case .drop: throw Dropped()
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Sends an envelope on the newest connection (or queues it for the next one); returns its
    /// `envelope_id`.
    @discardableResult
    public func sendEnvelope(type: String, payload: JSONValue, acceptsResponsePayload: Bool = false) -> String {
        state.withLock { state in
            let id = "env-" + state.newID("")
            let envelope: JSONValue = ["envelope_id": .string(id), "type": .string(type), "payload": payload,
                                       "accepts_response_payload": .bool(acceptsResponsePayload), "retry_attempt": 0]
            state.unacked.append((id, envelope))
            state.sockets.max { $0.key < $1.key }?.value.yield(.send(envelope.text))
            return id
        }
    }

    /// Asks the app to reconnect, as Slack does before it closes a connection.
    public func requestDisconnect() {
        _ = state.withLock { $0.sockets.max { $0.key < $1.key }?.value.yield(.disconnect) }
    }

    /// The next `apps.connections.open` answers with `url` (a server that never completes the
    /// handshake), once.
    public func answerNextOpen(with url: String) {
        state.withLock { $0.socketURLs.append(url) }
    }

    /// The next connection gets no `hello`: it stays open and silent.
    public func withholdNextHello() {
        state.withLock { $0.helloWithheld += 1 }
    }

    /// Closes the newest connection without a `disconnect` message.
    public func dropSocket() {
        _ = state.withLock { $0.sockets.max { $0.key < $1.key }?.value.yield(.drop) }
    }

    public var socketConnections: Int { state.withLock { $0.sockets.count } }
    public var connectionsOpened: Int { state.withLock { $0.connectionsOpened } }
    /// WebSocket connections the app made, closed ones included.
    public var socketsAccepted: Int { state.withLock { $0.nextSocket - 1 } }
    public var acknowledged: [(id: String, payload: JSONValue?)] { state.withLock { $0.acks } }
    public var unacknowledged: Int { state.withLock { $0.unacked.count } }
}
