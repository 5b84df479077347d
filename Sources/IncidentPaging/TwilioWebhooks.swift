import HTTPTypes
import Hummingbird
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentWire
import Logging

/// Where Twilio reports back to the bot.
public enum TwilioPaths {
    /// Texts to the bot's number (set as the number's messaging webhook).
    public static let sms = "/webhooks/twilio/sms"
    /// A call's keypress, followed by the page's signed token.
    public static let voice = "/webhooks/twilio/voice/"
    /// How a page's call ended (its status callback), followed by the page's signed token.
    public static let callStatus = "/webhooks/twilio/call-status/"
    /// How a page's text fared (its status callback), followed by the page's signed token.
    public static let messageStatus = "/webhooks/twilio/message-status/"
}

/// Twilio's callbacks: a text `ACK` or `ACK INC-4` from a roster person's phone, "press 1"
/// in a page's call, and how a page's call ended. Every callback must carry a valid `X-Twilio-Signature` over the URL Twilio
/// requested (the bot's `public_url` and the path) and the parameters, or it is refused with
/// 403 and changes nothing. An answer becomes the paged person's own acknowledgement, once per
/// Twilio message or call; a call that ended unanswered sends the page on (`EndedCall`).
public struct TwilioWebhooks<Clock: IncidentClock>: Sendable {
    let engine: Engine<Clock>
    let signature: TwilioSignature
    let links: AckLinks
    let maxBody: Int
    let readTimeout: Duration
    let logger: Logger
    /// Anyone can reach the callbacks: their refusals are logged at most every 10 s.
    let refusals = RefusalLog(door: "twilio", reasons: [.signature, .tooLarge, .tooSlow, .busy])

    public init(engine: Engine<Clock>, signature: TwilioSignature, links: AckLinks, maxBody: Int, readTimeout: Duration,
                logger: Logger) {
        self.engine = engine
        self.signature = signature
        self.links = links
        self.maxBody = maxBody
        self.readTimeout = readTimeout
        self.logger = logger
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(TwilioPaths.sms)) { request, _ -> Response in
            await self.verified(request) { parameters in await self.text(parameters) }
        }
        router.post(RouterPath(TwilioPaths.voice + ":token")) { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            return await self.verified(request) { parameters in await self.keypress(parameters, token: token) }
        }
        router.post(RouterPath(TwilioPaths.callStatus + ":token")) { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            return await self.verified(request) { parameters in await self.callEnded(parameters, token: token) }
        }
        router.post(RouterPath(TwilioPaths.messageStatus + ":token")) { request, context -> Response in
            let token = context.parameters.get("token") ?? ""
            return await self.verified(request) { parameters in await self.textEnded(parameters, token: token) }
        }
    }

    /// Reads the form body and checks the signature before anything else looks at it.
    func verified(_ request: Request, _ handle: ([String: String]) async -> Response) async -> Response {
        let body: [UInt8]
        switch await LimitedBody.read(request, upTo: maxBody, within: readTimeout) {
        case .body(let read): body = read
        case let refused: return refusals.answer(refused)
        }
        guard let pairs = FormEncoding.decodePairs(body) else { return Answers.text(.badRequest, "not a form\n") }
        let url = links.publicURL + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        guard signature.verify(request.headers[HTTPField.Name("X-Twilio-Signature")!], url: url, parameters: pairs) else {
            // The route, not the path: a call's paths carry the page's token.
            let route = [TwilioPaths.voice, TwilioPaths.callStatus, TwilioPaths.messageStatus].first { request.uri.path.hasPrefix($0) }.map { $0 + "<token>" }
                ?? request.uri.path
            refusals.warning("Twilio callback refused: not signed with TWILIO_AUTH_TOKEN for this URL", reason: .signature, metadata: ["route": "\(route)"],
                             at: engine.clock.now, logger: logger)
            return Answers.text(.forbidden, "signature does not match\n")
        }
        return await handle(Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
    }

    /// `ACK`, `ACK INC-4` or `ACK 4`, any case; anything else gets a line on how to answer.
    func text(_ parameters: [String: String]) async -> Response {
        // Signed, yet not a text as Twilio sends one (a proxy that strips parameters): refused
        // and logged as a malformed id is, not answered as if read.
        guard let from = parameters["From"], let id = parameters["MessageSid"] else {
            logger.warning("Twilio text refused: it has no From or no MessageSid")
            return Answers.text(.badRequest, "not a Twilio text: From and MessageSid are required\n")
        }
        // Twilio's signature runs keys and values together, so a captured request re-cut
        // (`MessageSid=SM…NumMedia0` without `NumMedia`) still verifies under a new id: only an
        // id of Twilio's own shape is taken, so the one text is taken once.
        guard Self.isMessageSID(id) else {
            logger.warning("Twilio text refused: its MessageSid is not a message id")
            return Answers.text(.badRequest, "not a Twilio message id\n")
        }
        // A number the roster does not know gets no answer: the bot does not talk to strangers.
        guard let person = engine.settings.roster.person(at: from, by: .sms) else { return Self.reply(nil) }
        guard case .acknowledgement(let incident) = Self.read(parameters["Body"] ?? "") else { return Self.reply(Self.howToAnswer) }
        return await answer(PageAnswer(method: .sms, id: "sms:" + id, person: person, incident: incident, how: "SMS reply")) { outcome in
            Self.reply(outcome.disposition == .duplicate ? nil : outcome.reply?.plainText())
        }
    }

    /// What a reply says: an acknowledgement, of the incident it names if it names one, or
    /// nothing the bot reads.
    enum TextReply: Equatable { case acknowledgement(incident: Int?), other }

    /// `ACK`, `ACK INC-4` or `ACK 4`, any case. A phone's own full stop (`Ack.`) or a dash left
    /// out (`ACK INC4`) is still the answer: refused, it cost a half-awake person a round trip.
    static func read(_ body: String) -> TextReply {
        let words = body.uppercased().split(whereSeparator: \.isWhitespace)
            .map { String($0.reversed().drop { ".!,;:".contains($0) }.reversed()) }.filter { !$0.isEmpty }
        guard words.first == "ACK", words.count <= 2 else { return .other }
        guard words.count == 2 else { return .acknowledgement(incident: nil) }
        let named = words[1]
        let digits = named.hasPrefix("INC-") ? named.dropFirst(4) : named.hasPrefix("INC") ? named.dropFirst(3) : Substring(named)
        guard let number = Int(digits), number > 0 else { return .other }
        return .acknowledgement(incident: number)
    }

    /// The answer to a text that is no acknowledgement. It names no incident: a fixed example
    /// (`INC-4`) read as the one paging the person.
    static var howToAnswer: String { "Reply ACK to acknowledge your page, or ACK and the incident's number as the page writes it when more than one pages you." }

    /// `SM` or `MM` and 32 hexadecimal digits: the only ids Twilio gives a text.
    static func isMessageSID(_ id: String) -> Bool {
        isSID(id, prefixes: ["SM", "MM"])
    }

    /// One of `prefixes` and 32 hexadecimal digits: the shape of Twilio's resource ids.
    static func isSID(_ id: String, prefixes: [String]) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count == 34, prefixes.contains(where: { id.hasPrefix($0) }) else { return false }
        return bytes.dropFirst(2).allSatisfy { Hex.value($0) != nil }
    }

    /// Digit 1 in a page's call acknowledges it as the person the token names.
    func keypress(_ parameters: [String: String], token: String) async -> Response {
        guard parameters["Digits"] == "1", let call = parameters["CallSid"] else {
            return Self.say("Not acknowledged. Goodbye.")
        }
        let grant: AckLinks.Grant
        switch links.read(token, now: engine.clock.now) {
        case .success(let value) where value.method == .voice: grant = value
        case .success: return Self.say("Not acknowledged. Goodbye.")
        case .failure(.expired(let grant)):
            return Self.say("This page has expired. " + PageAnswers.afterExpiry(grant.incident, person: grant.person, directory: engine.directory) + " Goodbye.")
        case .failure(.invalid): return Self.say("Not acknowledged. Goodbye.")
        }
        var pressed = PageAnswer(method: .voice, id: "call:" + call, person: grant.person, incident: grant.incident, how: "phone keypress")
        pressed.declaredAt = grant.declaredAt
        return await answer(pressed) { outcome in
            // The same call's keypress again, once it acknowledged: the answer was taken.
            Self.say(outcome.reply?.plainText() ?? (outcome.disposition == .duplicate ? "Already acknowledged. Goodbye." : "Acknowledged."))
        }
    }

    /// A page's call ended (Twilio's status callback, which by default comes once, with the
    /// final status): unless the person acknowledged, the page goes on to their next method.
    /// Answered `204`: Twilio reads no answer to a status callback. A store that fails is
    /// answered `500`, and the bot tries it again itself: Twilio does not (`followUpLater`).
    func callEnded(_ parameters: [String: String], token: String) async -> Response {
        guard let call = parameters["CallSid"], Self.isSID(call, prefixes: ["CA"]) else {
            logger.warning("Twilio call status refused: its CallSid is not a call id")
            return Answers.text(.badRequest, "not a Twilio call id\n")
        }
        // Progress reports (`ringing`, `in-progress`) come only when asked for, and the bot does not ask.
        guard let status = parameters["CallStatus"].flatMap(EndedCall.Status.init(rawValue:)) else { return Response(status: .noContent) }
        guard let grant = endGrant(token, method: .voice) else { return Answers.text(.notFound, "no such call\n") }
        var ended = EndedCall(page: grant.page, person: grant.person, incident: grant.incident, status: status)
        ended.declaredAt = grant.declaredAt
        return await followUp(ended)
    }

    /// How a page's text fared: `undelivered` or `failed` (a landline, carrier filtering, an
    /// unreachable number) sends the page on to the person's next method, as a call that rang
    /// out does; Twilio's other reports (`sent`, `delivered`, ...) change nothing. Without it, a
    /// text Twilio took was "delivered" for good, and the person's call or chat never tried.
    func textEnded(_ parameters: [String: String], token: String) async -> Response {
        guard let message = parameters["MessageSid"], Self.isSID(message, prefixes: ["SM", "MM"]) else {
            logger.warning("Twilio message status refused: its MessageSid is not a message id")
            return Answers.text(.badRequest, "not a Twilio message id\n")
        }
        let status: EndedCall.Status
        switch parameters["MessageStatus"] {
        case "undelivered": status = .undelivered
        case "failed": status = .failed
        default: return Response(status: .noContent)
        }
        guard let grant = endGrant(token, method: .sms) else { return Answers.text(.notFound, "no such text\n") }
        var ended = EndedCall(page: grant.page, person: grant.person, incident: grant.incident, status: status, method: .sms)
        ended.declaredAt = grant.declaredAt
        return await followUp(ended)
    }

    /// The grant of a status callback's token: one of a page by `method`, expired or not (a
    /// page's end may come after its link stopped working). nil, logged: no page's.
    func endGrant(_ token: String, method: ContactMethod) -> AckLinks.Grant? {
        switch links.read(token, now: engine.clock.now) {
        case .success(let grant) where grant.method == method: return grant
        case .failure(.expired(let grant)) where grant.method == method: return grant
        default:
            logger.warning("Twilio status callback refused: its token is not one of a page's", metadata: ["method": "\(method)"])
            return nil
        }
    }

    /// Carries out what a call's or text's end calls for; a store that cannot take it just then
    /// is answered 500 and tried again in the background (`followUpLater`).
    func followUp(_ ended: EndedCall) async -> Response {
        do {
            _ = try await engine.followUp(ended)
            return Response(status: .noContent)
        } catch {
            logger.error("cannot record how a page's call ended; trying again", metadata: ["error": "\(error)"])
            followUpLater(ended)
            return Answers.text(.internalServerError, "cannot record it just now\n")
        }
    }

    /// How long a call's end the store could not take is tried again: Twilio posts it once,
    /// and without it the person's next method is never tried (the page stays "delivered by
    /// voice" until the ladder's next level). A follow-up is made once however often it is
    /// tried (`Engine.followUp`), so a retry that races Twilio's own repeat sends nothing twice.
    static var followUpRetry: Backoff { Backoff(first: .seconds(2), ceiling: .seconds(60)) }
    static var followUpAttempts: Int { 30 }

    /// Tries `ended` again in the background, by the one backoff on the engine's clock, until
    /// the store takes it (a busy SQLite file, a PostgreSQL failover) or for about 25 minutes.
    /// Kept in memory: a restart in that time loses it, and the ladder's next level still comes.
    func followUpLater(_ ended: EndedCall) {
        Task { [engine, logger] in
            for failures in 1...Self.followUpAttempts {
                do {
                    try await engine.clock.sleep(for: Self.followUpRetry.delay(afterFailures: failures))
                    _ = try await engine.followUp(ended)
                    logger.notice("recorded how a page's call ended, after the store failed", metadata: ["attempts": "\(failures + 1)"])
                    return
                } catch is CancellationError {
                    return
                } catch {
                    continue
                }
            }
            logger.error("gave up recording how a page's call ended; the ladder's next level still comes")
        }
    }

    func answer(_ answer: PageAnswer, _ respond: (EngineOutcome) -> Response) async -> Response {
        do {
            return respond(try await engine.acknowledge(answer))
        } catch {
            // Twilio does not retry a failed callback: the person hears or reads that it failed.
            logger.error("cannot record an acknowledgement from Twilio", metadata: ["error": "\(error)"])
            return answer.method == .voice ? Self.say("The bot cannot record it just now. Acknowledge in chat.")
                : Self.reply("The bot cannot record it just now. Acknowledge in chat.")
        }
    }

    /// TwiML answering a text: one message back, or none.
    static func reply(_ text: String?) -> Response {
        Answers.xml(.ok, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
                    + (text.map { "<Message>\($0.htmlEscaped)</Message>" } ?? "") + "</Response>")
    }

    /// TwiML answering a keypress: a sentence, then the call ends.
    static func say(_ text: String) -> Response {
        Answers.xml(.ok, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>\(text.htmlEscaped)</Say></Response>")
    }
}
