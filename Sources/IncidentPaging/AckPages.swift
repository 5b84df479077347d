import HTTPTypes
import Hummingbird
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentRules
import IncidentWire
import Logging
import NIOCore

/// `GET /ack/<token>` shows what the link acknowledges and a button; only the `POST` that
/// button sends acknowledges. A mail scanner or a link preview that follows the link changes
/// nothing. Tokens are never logged: a link is a credential until it is used.
public struct AckPages<Clock: IncidentClock>: Sendable {
    let engine: Engine<Clock>
    let links: AckLinks
    let logger: Logger
    /// Links that are no link of the bot's (forged, altered, cut short): counted and logged as
    /// the other doors' refusals are, at most a line every 10 s, the token never.
    let refusals = RefusalLog(door: "ack_link", reasons: [.invalidLink])

    public init(engine: Engine<Clock>, links: AckLinks, logger: Logger) {
        self.engine = engine
        self.links = links
        self.logger = logger
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get(RouterPath(AckLinks.path + ":token")) { _, context -> Response in
            await self.confirmation(token: context.parameters.get("token") ?? "")
        }
        // Mail gateways probe a link with HEAD before delivering it: answered as GET, without
        // the page (a 404 marked a good link as broken). It reads, as GET does; it never acknowledges.
        router.head(RouterPath(AckLinks.path + ":token")) { _, context -> Response in
            let page = await self.confirmation(token: context.parameters.get("token") ?? "")
            return Response(status: page.status, headers: page.headers)
        }
        router.post(RouterPath(AckLinks.path + ":token")) { _, context -> Response in
            await self.acknowledge(token: context.parameters.get("token") ?? "")
        }
    }

    /// A call's keypress token is for Twilio's callback only, not a link anyone may open.
    func read(_ token: String) -> Result<AckLinks.Grant, AckLinks.Refusal> {
        let read = links.read(token, now: engine.clock.now)
        if case .success(let grant) = read, grant.method == .voice { return .failure(.invalid) }
        return read
    }

    func confirmation(token: String) async -> Response {
        let grant: AckLinks.Grant
        switch read(token) {
        case .failure(let refusal): return refused(refusal)
        case .success(let value): grant = value
        }
        let stored: StoredIncident?
        do {
            stored = try await engine.store.read { try $0.incident(grant.incident) }
        } catch {
            return cannotRead(error)
        }
        guard let incident = stored?.incident else {
            return Self.page(.notFound, "No such incident", "INC-\(grant.incident) does not exist.")
        }
        // A link of a lost database's incident numbered alike shows nothing of this one.
        if let declaredAt = grant.declaredAt, declaredAt != incident.declaredAt {
            return Self.page(.forbidden, "Not acknowledged", PageAnswer.forAnEarlierIncident(incident.id).description)
        }
        // Over: no button, as its press would be refused.
        if incident.phase == .resolved || incident.phase == .closed {
            return Self.page(.ok, "Nothing to acknowledge", "\(incident.id) is \(incident.phase.rawValue); nobody is paged for it any more.")
        }
        // Answered already (this link used, or the person's /ack): no button, whose press would
        // only say the link was used.
        if incident.acknowledgedBy?.contains(grant.person) == true {
            return Self.page(.ok, "Already acknowledged", "@\(grant.person.rawValue) acknowledged \(incident.id) already; nothing more to do.")
        }
        // Nor when the press would be refused, and why, as the press would say it: a page
        // withdrawn before it went out, someone taken off the roster since.
        do {
            if let outcome = try await engine.outcomeIfNotTaken(answer(for: grant)) { return page(for: outcome) }
        } catch {
            return cannotRead(error)
        }
        // A link travels through mail scanners and PagerDuty: a private incident shows its number
        // and severity only, as its pages do.
        let about = incident.isPrivate
            ? "a private incident; the details are in its room"
            : "\(incident.title.htmlEscaped)</p>\n<p>Status: \(incident.statusText.htmlEscaped) · phase: \(incident.phase.rawValue.htmlEscaped)"
        // Someone else's answer stopped the ladder already: pressing says they saw it too.
        let effect = incident.acknowledgedBy?.isEmpty == false
            ? "Someone acknowledged already and the ladder has stopped; acknowledging records that you saw it too."
            : "Acknowledging stops the ladder from paging the next level."
        let body = """
            <p><strong>\(incident.id.htmlEscaped) (\(incident.severity.rawValue.htmlEscaped)):</strong> \(about)</p>
            <p>You were paged as @\(grant.person.rawValue.htmlEscaped). \(effect)</p>
            <form method="post"><button type="submit">Acknowledge \(incident.id.htmlEscaped) as @\(grant.person.rawValue.htmlEscaped)</button></form>
            """
        return Self.page(.ok, "Acknowledge \(incident.id)?", html: body)
    }

    func acknowledge(token: String) async -> Response {
        let grant: AckLinks.Grant
        switch read(token) {
        case .failure(let refusal): return refused(refusal)
        case .success(let value): grant = value
        }
        let outcome: EngineOutcome
        do {
            outcome = try await engine.acknowledge(answer(for: grant))
        } catch {
            logger.error("cannot record an acknowledgement from a link", metadata: ["error": "\(error)"])
            return Self.page(.serviceUnavailable, "Try again", "The bot cannot record it just now. Try again in a minute.")
        }
        return page(for: outcome)
    }

    func cannotRead(_ error: any Error) -> Response {
        logger.error("cannot read the incident for an acknowledge page", metadata: ["error": "\(error)"])
        return Self.page(.serviceUnavailable, "Try again", "The bot cannot read its records just now. Try again in a minute.")
    }

    /// The answer a link's press makes: a refused press is not spent (its person may press
    /// again once it would be taken).
    func answer(for grant: AckLinks.Grant) -> PageAnswer {
        var answer = PageAnswer(method: grant.method, id: "link:" + grant.page, person: grant.person, incident: grant.incident,
                                how: "\(grant.method) link", spentWhenRefused: false)
        answer.declaredAt = grant.declaredAt
        return answer
    }

    /// The page that says what an answer came to.
    func page(for outcome: EngineOutcome) -> Response {
        let said = outcome.reply?.plainText() ?? ""
        switch outcome.disposition {
        case .handled: return Self.page(.ok, "Acknowledged", said)
        case .answered: return Self.page(.ok, "Already acknowledged", said)
        case .duplicate: return Self.page(.conflict, "Link already used", "This link was used already; it works once.")
        case .refused, .ignored: return Self.page(.forbidden, "Not acknowledged", said)
        }
    }

    func refused(_ refusal: AckLinks.Refusal) -> Response {
        switch refusal {
        case .invalid:
            refusals.warning("acknowledge link refused: not a valid link", reason: .invalidLink, at: engine.clock.now, logger: logger)
            return Self.page(.notFound, "Not a valid link", "This acknowledge link is not valid. Acknowledge with \(PageAnswers.typedAcknowledgement(nil, on: engine.settings.platforms)).")
        case .expired(let grant):
            return Self.page(.gone, "Link expired", "This link expired. " + PageAnswers.afterExpiry(grant.incident, person: grant.person, directory: engine.directory))
        }
    }

    /// A small HTML page: no scripts, no outside resources, never cached, never framed (a
    /// page that acknowledges with one button must not sit under someone else's page), and
    /// no Referer that would carry the token elsewhere.
    static func page(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        page(status, title, html: "<p>\(text.htmlEscaped)</p>")
    }

    static func page(_ status: HTTPResponse.Status, _ title: String, html body: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title.htmlEscaped) · incident-bot</title></head>
            <body><h1>\(title.htmlEscaped)</h1>
            \(body)
            </body></html>

            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; form-action 'self'; frame-ancestors 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
