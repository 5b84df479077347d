import HummingbirdWSClient
import IncidentCore
import IncidentEngine
import IncidentWire
import Logging
import ServiceLifecycle
import Synchronization

/// Socket Mode, for teams without a public URL: asks `apps.connections.open` (with the app-level
/// token) for a WebSocket URL, takes envelopes from it, hands each to the gateway (the same path
/// and dedupe as HTTP) and acknowledges it by `envelope_id` only after the engine committed it.
/// On a `disconnect` message it opens the next connection at once and reads on from the old one
/// until Slack closes it (Slack may still send on it meanwhile); after a dropped socket or a
/// failed open it reconnects with backoff (a `Retry-After` Slack gives is waited out). Pings the socket every 10 s, so a
/// connection that went silent (a proxy or NAT that dropped it, a Slack node gone) is closed
/// within 20 s and opened again, and takes frames up to 1 MiB (a message pasted in full).
public struct SlackSocketMode<Clock: IncidentClock>: Service {
    let gateway: SlackGateway<Clock>
    /// The Web API with the app-level token (`xapp-...`).
    let appAPI: SlackWebAPI
    let logger: Logger
    /// Waits between reconnection attempts after a dropped connection or a failed open
    /// (`Backoff.reconnection`: an envelope resent once Slack is back, a `/ack` typed during
    /// the outage, is read within 5 s).
    let backoff: Backoff
    /// Waits when fast reconnections would not help: an open refused for the app's setup (a
    /// revoked app-level token, the operator's to fix) and Slack asking connection after
    /// connection to leave at once (each one left is read for `overlap`).
    let slowBackoff: Backoff
    /// For readiness: failures in a row, reset by a session that has run `settled`.
    let health: LoopHealth
    /// How long a stopping bot lets the envelopes in hand finish before it closes its
    /// connections, in real time: inside the second the process gives its services to stop.
    let stopGrace: Duration

    /// How long a session runs before it counts as connected: one that closes sooner after
    /// `hello` counts as a failure, so a socket dropped at once does not reconnect in a loop.
    static var settled: Duration { .seconds(30) }
    /// How long a new connection may take to say `hello` (its handshake included).
    static var helloDeadline: Duration { .seconds(15) }
    /// How long a connection Slack asked to leave is read from beside the next one, when Slack
    /// does not close it first: then the envelopes in hand finish and it is closed.
    static var overlap: Duration { .seconds(30) }
    static var configuration: WebSocketClientConfiguration {
        WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: .seconds(10)))
    }

    public init(gateway: SlackGateway<Clock>, appAPI: SlackWebAPI, logger: Logger, backoff: Backoff = .reconnection,
                slowBackoff: Backoff = .slowReconnection, health: LoopHealth = LoopHealth("connection"),
                stopGrace: Duration = .milliseconds(800)) {
        self.gateway = gateway
        self.appAPI = appAPI
        self.logger = logger
        self.backoff = backoff
        self.slowBackoff = slowBackoff
        self.health = health
        self.stopGrace = stopGrace
    }

    public func run() async throws {
        health.reset()
        defer { health.reset() }
        // Shared by the sessions: an envelope on a new connection waits for the one before it
        // in its lane on the connection being left.
        let lanes = EnvelopeLanes()
        // Stopping, the envelopes in hand finish before the connections close: a slash
        // command's answer travels in its acknowledgement, and one committed with its
        // acknowledgement lost showed its person an error, and was typed again. The loop runs
        // detached, apart from the stop's signal, which closes every WebSocket it reaches at
        // once; the leader's term, the one task-local it needs, goes with it.
        // Then the loop is cancelled and the connections closed.
        let term = LeaderTerm.current
        let sockets = OpenSockets()
        let loop = Task.detached { await LeaderTerm.$current.withValue(term) { await self.connectLoop(lanes: lanes, sockets: sockets) } }
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await loop.value }
                group.addTask {
                    guard (try? await gracefulShutdown()) != nil else { return }
                    await Self.finish(lanes.close(), within: stopGrace, clock: LiveClock())
                }
                await group.next()
                // Whichever came first: the loop does not end by itself, and the group waits
                // for it.
                group.cancelAll()
                loop.cancel()
                await sockets.closeAll()
            }
        } onCancel: {
            loop.cancel()
            Task { await sockets.closeAll() }
        }
    }

    /// Runs a session on `url` in `sessions` and waits until it ends, or until Slack asks for
    /// the next connection (`disconnectRequested`; the session reads on).
    func start(_ url: String, outcome: SessionOutcome, lanes: EnvelopeLanes, sockets: OpenSockets,
               in sessions: inout DiscardingTaskGroup) async throws -> SessionEnd {
        let (ends, ended) = AsyncStream<Result<SessionEnd, any Error>>.makeStream()
        let logger = logger
        // A handshake Slack (or a proxy) takes and never answers, or a connection with no
        // `hello`, is given up after `helloDeadline`: the WebSocket client waits for either
        // without end, and the bot sat deaf to Slack with `/readyz` ready. A stalled handshake
        // cannot be cancelled: its task is left to end when its connection does, and a
        // connection it completes late is closed at once (`SessionOutcome.abandon`): it had
        // run on beside the next one, and its `hello` counted the bot as connected.
        let clock = gateway.engine.clock
        sessions.addTask {
            guard (try? await clock.sleep(for: Self.helloDeadline)) != nil, outcome.abandon() else { return }
            ended.yield(.success(.dropped("no hello within \(DurationText.format(Self.helloDeadline)) of connecting")))
        }
        sessions.addTask {
            do {
                let end = try await self.session(url, outcome: outcome, lanes: lanes, sockets: sockets) { ended.yield(.success($0)) }
                ended.yield(.success(end))
            } catch {
                // After the handover nobody waits for this session's end: its failure is logged.
                if case .disconnectRequested = outcome.value, !Task.isCancelled {
                    logger.warning("Socket Mode: the connection being left failed", metadata: ["error": "\(error)"])
                }
                ended.yield(.failure(error))
            }
            ended.finish()
        }
        for await end in ends { return try end.get() }
        throw CancellationError()
    }

    func open() async throws(SlackAPIError) -> String {
        let answer = try await appAPI.call("apps.connections.open", [:])
        guard let url = answer["url"]?.string else {
            throw .unavailable(method: "apps.connections.open", reason: "no url in the answer")
        }
        return url
    }

    /// One WebSocket session: each envelope handled as it comes, concurrently with those of
    /// other channels (commands arriving together share a commit) and after the ones before
    /// it in its own channel and kind (`lane`: a 📌 taken back right after it was given stays
    /// taken back, and a pin whose message is read back from Slack holds up no command), and
    /// acknowledged after it is handled. On Slack's `disconnect` it calls `handover` and reads
    /// on until Slack closes the connection or `overlap` has passed; before it closes it then,
    /// the envelopes in hand finish (for up to two seconds), so a slash command's answer,
    /// which travels in its acknowledgement, is not lost.
    func session(_ url: String, outcome ending: SessionOutcome = SessionOutcome(), lanes: EnvelopeLanes = EnvelopeLanes(),
                 sockets: OpenSockets = OpenSockets(), handover: @escaping @Sendable (SessionEnd) -> Void = { _ in }) async throws -> SessionEnd {
        let gateway = gateway
        let logger = logger
        let health = health
        // Counts the session as connected once it has run `settled` after `hello`; after a
        // `disconnect`, closes it once it has overlapped the next one for `overlap`.
        let settling = Mutex<Task<Void, Never>?>(nil)
        let leaving = Mutex<Task<Void, Never>?>(nil)
        let awaitingHello = Mutex<Task<Void, Never>?>(nil)
        defer {
            settling.withLock { $0?.cancel() }
            leaving.withLock { $0?.cancel() }
            awaitingHello.withLock { $0?.cancel() }
        }
        _ = try await WebSocketClient.connect(url: url, configuration: Self.configuration, logger: logger) { inbound, outbound, _ in
            // Given up while its handshake was under way: the next connection is made already.
            guard !ending.abandoned else {
                try? await outbound.close(.goingAway, reason: nil)
                return
            }
            let open = sockets.add { try? await outbound.close(.goingAway, reason: nil) }
            defer { sockets.remove(open) }
            // Connected, and no `hello` in time: closed, as `start` has given it up.
            awaitingHello.withLock { task in
                task = Task {
                    guard (try? await gateway.engine.clock.sleep(for: Self.helloDeadline)) != nil, !ending.heardHello else { return }
                    try? await outbound.close(.goingAway, reason: nil)
                }
            }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message, let envelope = JSONValue.parse(Array(text.utf8)) else {
                    logger.warning("Socket Mode: a message that is not JSON; ignored")
                    continue
                }
                let type = envelope["type"]?.string ?? ""
                switch type {
                case "hello":
                    guard ending.hello(.dropped("closed within \(DurationText.format(Self.settled)) of hello")) else {
                        try? await outbound.close(.goingAway, reason: nil)
                        return
                    }
                    awaitingHello.withLock { $0?.cancel() }
                    settling.withLock { task in
                        task = Task {
                            guard (try? await gateway.engine.clock.sleep(for: Self.settled)) != nil, !Task.isCancelled else { return }
                            ending.set(.closedAfterRunning)
                            health.succeeded()
                        }
                    }
                    logger.info("Socket Mode connected", metadata: [
                        "connections": "\(envelope["num_connections"]?.int ?? 0)",
                    ])
                case "disconnect":
                    Self.logDisconnect(reason: envelope["reason"]?.string ?? "", logger: logger)
                    let settled = if case .closedAfterRunning = ending.value { true } else { false }
                    ending.set(.disconnectRequested(settled: settled))
                    // Healthy only after running `settled`: a Slack that asks every connection to
                    // leave at once (`too_many_websockets`, `link_disabled`) leaves the bot deaf.
                    if settled { health.succeeded() } else { settling.withLock { $0?.cancel() } }
                    handover(.disconnectRequested(settled: settled))
                    leaving.withLock { task in
                        guard task == nil else { return }
                        task = Task {
                            guard (try? await gateway.engine.clock.sleep(for: Self.overlap)) != nil, !Task.isCancelled else { return }
                            await Self.finish(lanes.inHand, within: .seconds(2), clock: gateway.engine.clock)
                            try? await outbound.close(.normalClosure, reason: nil)
                        }
                    }
                default:
                    guard let id = envelope["envelope_id"]?.string else {
                        logger.debug("Socket Mode message without an envelope id", metadata: ["type": "\(type)"])
                        continue
                    }
                    // A slash command's 3 s run from here, not from its turn in its lane.
                    let received = gateway.engine.clock.elapsed
                    let taken = lanes.add(to: Self.lane(of: envelope)) {
                        guard let ack = try? await Self.handle(envelope, type: type, received: received, gateway: gateway, logger: logger)
                        else { return }
                        var body: [String: JSONValue] = ["envelope_id": .string(id)]
                        if let payload = ack.payload { body["payload"] = payload }
                        do {
                            try await outbound.write(.text(JSONValue.object(body).text))
                        } catch {
                            // The session closed meanwhile: Slack sends the envelope again on the
                            // next one, and its event id is already known.
                            logger.debug("Socket Mode: an acknowledgement could not be written", metadata: ["error": "\(error)"])
                        }
                    }
                    if !taken { logger.debug("Socket Mode: stopping; an envelope left for Slack to send again", metadata: ["type": "\(type)"]) }
                }
            }
        }
        return ending.value
    }

    /// Which envelopes an envelope waits for: those before it about the same channel, and of
    /// the same kind, pins or the rest. Pins and reactions keep their order among themselves
    /// (one taken back stays taken back), but a pin, read back from Slack first and so slow
    /// when Slack is, holds up no command (anyone in the room may add one).
    static func lane(of envelope: JSONValue) -> String {
        let type = envelope["payload"]?["event"]?["type"]?.string ?? ""
        let pins = ["reaction_added", "reaction_removed", "pin_added", "pin_removed"].contains(type)
        return channel(of: envelope) + (pins ? " pins" : "")
    }

    /// The channel an envelope is about (events, slash commands, button presses); "" when it
    /// names none.
    static func channel(of envelope: JSONValue) -> String {
        let payload = envelope["payload"]
        let event = payload?["event"]
        return event?["channel"]?.string ?? event?["item"]?["channel"]?.string ?? event?["channel_id"]?.string
            ?? payload?["channel_id"]?.string ?? payload?["channel"]?["id"]?.string ?? ""
    }

    /// Slack's `disconnect`: a reason that means no connection will last is the operator's to
    /// fix, and said so as an error.
    static func logDisconnect(reason: String, logger: Logger) {
        switch reason {
        case "link_disabled":
            logger.error("Slack turned Socket Mode off for the app (link_disabled): turn it on in the app's settings, or serve over HTTP (docs/slack-setup.md)")
        case "too_many_websockets":
            logger.error("Slack refuses more Socket Mode connections for the app (too_many_websockets): another process holds them; run one bot in Socket Mode per app")
        default:
            logger.info("Socket Mode: Slack asks to reconnect", metadata: ["reason": "\(reason)"])
        }
    }

    /// Waits until `tasks` are done, or `limit` has passed on `clock`.
    static func finish(_ tasks: [Task<Void, Never>], within limit: Duration, clock: some IncidentClock) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for task in tasks { await task.value } }
            group.addTask { try? await clock.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The answer to acknowledge an envelope with; nil when it must not be acknowledged (the
    /// store failed, so Slack should send it again).
    static func handle(_ envelope: JSONValue, type: String, received: Duration? = nil, gateway: SlackGateway<Clock>,
                       logger: Logger) async throws -> SlackAnswer? {
        let request: SlackRequest
        do {
            guard let payload = envelope["payload"] else { throw SlackRequestError("envelope without a payload") }
            switch type {
            case "events_api": request = try SlackRequest.eventsAPI(payload)
            case "interactive": request = try SlackRequest.interactive(payload)
            case "slash_commands":
                let fields = (payload.object ?? [:]).compactMapValues { $0.string }
                request = try SlackRequest.slashCommand(fields)
            default: request = .other(type: type)
            }
        } catch {
            logger.warning("Socket Mode: malformed envelope acknowledged and dropped", metadata: ["type": "\(type)", "reason": "\(error)"])
            return .empty
        }
        do {
            return try await gateway.handle(request, received: received)
        } catch {
            logger.error("Socket Mode: envelope not handled for now (the store or Slack's Web API failed); not acknowledged, Slack will resend",
                         metadata: ["error": "\(error)"])
            return nil
        }
    }
}
