import IncidentCore
import IncidentEngine
import Synchronization

/// A transport that records every job it is given and can be told to fail, the way a real
/// platform or provider does: down for a while, rate limiting with a retry hint, or rejecting a
/// job for good. A direct message to someone with no address for the method is rejected, as
/// Slack, Matrix or a mail server would.
public final class RecordingTransport: OutboxTransport {
    public let method: ContactMethod
    /// As the real ones: chat platforms send ahead of their records, pager methods do not.
    public var sendsAhead: Bool { method.platform != nil }

    /// A job the transport took, with the clock reading when it did.
    public struct Delivered: Hashable, Sendable {
        public var job: TransportJob
        public var at: Timestamp
    }

    /// How the transport answers the next calls.
    public enum Behaviour: Sendable {
        case working
        /// Fails every call as unavailable (a platform outage), with an optional retry hint.
        case down(retryAfter: Duration?)
        /// Fails this many calls as unavailable, then works.
        case failing(calls: Int)
        /// Rejects every direct message (an account that cannot be messaged), works otherwise.
        case rejectingDirectMessages
        /// Rejects every post to `room` with `reason` (a channel archived), works otherwise.
        case refusingPosts(in: String, reason: String)
        /// Refuses every room creation with `reason` (the workspace forbids it); works otherwise.
        case refusingRoomCreation(reason: String)
        /// Rejects direct messages to `people` and every post to `room` with `reason`; works otherwise.
        case refusingPeopleAndRoom(Set<PersonID>, room: String, reason: String)
        /// Fails this many room creations as unavailable, then works; everything else works.
        case failingRoomCreation(calls: Int)
        /// Takes every call and answers none (a mail relay that accepts the connection and
        /// never replies) until told to behave otherwise; then each held call fails as timed out.
        case hanging
        /// Takes every call and holds it, as a provider answering slowly does, until told to
        /// behave otherwise; then each held call goes through. A held call whose task is
        /// cancelled fails, as the HTTP client's request is torn down by a cancellation.
        case answeringLate
        /// Works, but makes every room under its name with `-2` (the name was taken there).
        case takenRoomNames
        /// Works, but `people` have not joined any room (only invited, as on Matrix): a post
        /// that asks them to act says they did not see it (`TransportReceipt.deliveredUnseen`).
        case notJoined(Set<PersonID>)
        /// Refuses every call for the bot's own credentials (a revoked token).
        case refusingTheBotsToken
        /// Fails every call with `error`, the first `slowCalls` of them after taking `takes` on
        /// `clock` (a platform answering slowly and rate limiting).
        case slowlyFailing(ManualClock, takes: Duration, slowCalls: Int, error: TransportError)
    }

    struct State {
        var delivered: [Delivered] = []
        var attempts = 0
        var behaviour = Behaviour.working
        var waiters: [(id: Int, condition: @Sendable ([Delivered]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiter = 0
        var hung: [CheckedContinuation<Bool, Never>] = []
        /// Calls held by `.answeringLate`.
        var late: [LateCall] = []
        /// Run before each call, with the calls made so far and the call's job (`whenCalled`).
        var onCall: (@Sendable (Int, TransportJob) async -> Void)?
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Timestamp

    public convenience init(platform: Platform, now: @escaping @Sendable () -> Timestamp) {
        self.init(method: ContactMethod(platform), now: now)
    }

    public init(method: ContactMethod, now: @escaping @Sendable () -> Timestamp) {
        self.method = method
        self.now = now
    }

    public var delivered: [Delivered] { state.withLock { $0.delivered } }
    /// Every call, failed or not.
    public var attempts: Int { state.withLock { $0.attempts } }

    public func behave(_ behaviour: Behaviour) {
        let (released, answered) = state.withLock { state in
            state.behaviour = behaviour
            var answered: [LateCall] = []
            if case .answeringLate = behaviour {} else { answered = state.late; state.late = [] }
            if case .hanging = behaviour { return ([CheckedContinuation<Bool, Never>](), answered) }
            defer { state.hung = [] }
            return (state.hung, answered)
        }
        for call in released { call.resume(returning: true) }
        for late in answered { late.end(cancelled: false) }
    }

    /// Holds the call while the transport is `.hanging`; true when it was held.
    func hangIfTold() async -> Bool {
        await withCheckedContinuation { (call: CheckedContinuation<Bool, Never>) in
            let hangs = state.withLock { state -> Bool in
                guard case .hanging = state.behaviour else { return false }
                state.attempts += 1
                state.hung.append(call)
                return true
            }
            if !hangs { call.resume(returning: false) }
        }
    }

    /// A call held by `.answeringLate`: resumed once, by its release (false) or its task's
    /// cancellation (true), whichever comes first.
    final class LateCall: Sendable {
        private let state = Mutex<(call: CheckedContinuation<Bool, Never>?, ended: Bool?)>((nil, nil))
        /// Holds `call`, unless the call already ended.
        func hold(_ call: CheckedContinuation<Bool, Never>) {
            let ended = state.withLock { state -> Bool? in
                if state.ended == nil { state.call = call }
                return state.ended
            }
            if let ended { call.resume(returning: ended) }
        }
        func end(cancelled: Bool) {
            let call = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard state.ended == nil else { return nil }
                state.ended = cancelled
                defer { state.call = nil }
                return state.call
            }
            call?.resume(returning: cancelled)
        }
    }

    /// Holds the call while the transport is `.answeringLate`; throws when its task is
    /// cancelled meanwhile.
    func answerLateIfTold() async throws(TransportError) {
        let late = LateCall()
        let holds = state.withLock { state -> Bool in
            guard case .answeringLate = state.behaviour else { return false }
            state.late.append(late)
            return true
        }
        guard holds else { return }
        let cancelled = await withTaskCancellationHandler {
            await withCheckedContinuation { (call: CheckedContinuation<Bool, Never>) in late.hold(call) }
        } onCancel: {
            late.end(cancelled: true)
        }
        if cancelled { throw .unavailable("cancelled") }
    }

    /// Calls held now by `.answeringLate`.
    public var heldLate: Int { state.withLock { $0.late.count } }

    /// Runs `action` before each call, with the number of calls made before it: something
    /// that happens while delivery is in the middle of a round (a command arriving).
    public func whenCalled(_ action: @escaping @Sendable (Int) async -> Void) {
        state.withLock { $0.onCall = { calls, _ in await action(calls) } }
    }

    /// Runs `action` before each call, with the job it sends: something that happens while
    /// delivery sends one job in particular.
    public func whenSending(_ action: @escaping @Sendable (TransportJob) async -> Void) {
        state.withLock { $0.onCall = { _, job in await action(job) } }
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        if let (action, calls) = state.withLock({ state in state.onCall.map { ($0, state.attempts) } }) { await action(calls, job) }
        if await hangIfTold() { throw .unavailable("timed out") }
        try await answerLateIfTold()
        let instant = now()
        let outcome: Result<TransportReceipt, TransportError> = state.withLock { state in
            state.attempts += 1
            switch state.behaviour {
            case .working, .takenRoomNames, .notJoined, .answeringLate: break
            case .down(let hint): return .failure(.unavailable("platform down", retryAfter: hint))
            case .failing(let calls):
                state.behaviour = calls > 1 ? .failing(calls: calls - 1) : .working
                return .failure(.unavailable("HTTP 503"))
            case .rejectingDirectMessages:
                if case .directMessage = job.action { return .failure(.rejected("cannot_dm_user")) }
            case .refusingPosts(let room, let reason):
                if case .post(room, _) = job.action { return .failure(.rejected(reason)) }
            case .refusingRoomCreation(let reason):
                if case .createRoom = job.action { return .failure(.rejected(reason)) }
            case .refusingPeopleAndRoom(let people, let room, let reason):
                if case .post(room, _) = job.action { return .failure(.rejected(reason)) }
                if case .directMessage(let person, _) = job.action, people.contains(person) { return .failure(.rejected("cannot_dm_user")) }
            case .failingRoomCreation(let calls):
                if case .createRoom = job.action {
                    state.behaviour = calls > 1 ? .failingRoomCreation(calls: calls - 1) : .working
                    return .failure(.unavailable("HTTP 503"))
                }
            case .hanging: return .failure(.unavailable("timed out"))
            case .refusingTheBotsToken: return .failure(.misconfigured("token_revoked"))
            case .slowlyFailing(let clock, let takes, let slowCalls, let error):
                if slowCalls > 0 {
                    clock.advance(by: takes)
                    state.behaviour = .slowlyFailing(clock, takes: takes, slowCalls: slowCalls - 1, error: error)
                }
                return .failure(error)
            }
            if case .directMessage(let person, _) = job.action, job.people[person]?.account == nil {
                return .failure(.rejected("user_not_found"))
            }
            state.delivered.append(Delivered(job: job, at: instant))
            if case .createRoom(let name, _, _, _) = job.action {
                let made = if case .takenRoomNames = state.behaviour { name + "-2" } else { name }
                return .success(.roomCreated(id: "\(method)-room-\(made)", name: made))
            }
            if case .notJoined(let people) = state.behaviour, case .post(_, let message) = job.action, message.kind.asksItsMentions {
                let unseen = message.mentions.filter(people.contains)
                if !unseen.isEmpty { return .success(.deliveredUnseen(by: unseen)) }
            }
            return .success(.delivered)
        }
        let ready: [CheckedContinuation<Void, Never>] = state.withLock { state in
            let delivered = state.delivered
            let ready = state.waiters.filter { $0.condition(delivered) }.map(\.continuation)
            state.waiters.removeAll { $0.condition(delivered) }
            return ready
        }
        for continuation in ready { continuation.resume() }
        return try outcome.get()
    }

    /// Returns once what was delivered meets `condition`. No clock is involved: a test awaits
    /// what the services do after it moved the manual clock. A guard of `TestTools.patience`
    /// of real time returns anyway, so a test whose delivery never comes fails on its next
    /// expectation instead of hanging the whole run.
    public func waitUntil(_ condition: @escaping @Sendable ([Delivered]) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter: Int? = state.withLock { state in
                if condition(state.delivered) { return nil }
                state.nextWaiter += 1
                state.waiters.append((state.nextWaiter, condition, continuation))
                return state.nextWaiter
            }
            guard let waiter else { return continuation.resume() }
            Task {
                try? await Task.sleep(for: TestTools.patience)
                let abandoned = self.state.withLock { state in
                    let found = state.waiters.first { $0.id == waiter }?.continuation
                    state.waiters.removeAll { $0.id == waiter }
                    return found
                }
                abandoned?.resume()
            }
        }
    }

    /// Returns once this many calls were made, failed or not (or after `TestTools.patience`).
    public func waitForAttempts(_ count: Int) async throws {
        let deadline = TestTools.patientDeadline
        while attempts < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Returns once `person` has been sent a direct message.
    public func waitForDirectMessage(to person: PersonID) async {
        await waitUntil { delivered in
            delivered.contains { if case .directMessage(person, _) = $0.job.action { true } else { false } }
        }
    }

    /// Direct messages delivered, as `person` in delivery order.
    public var directMessages: [(person: PersonID, message: Message, at: Timestamp)] {
        delivered.compactMap { item in
            guard case .directMessage(let person, let message) = item.job.action else { return nil }
            return (person, message, item.at)
        }
    }

    /// Posts delivered to `room`, as plain text.
    public func posts(in room: String) -> [String] {
        delivered.compactMap { item in
            guard case .post(let target, let message) = item.job.action, target == room else { return nil }
            return message.plainText()
        }
    }
}
