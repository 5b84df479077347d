import IncidentCore
import IncidentEngine
import IncidentWire
import Logging

/// Pages as a text (`sms`) or a phone call (`voice`) through Twilio's REST API. A text says
/// how to acknowledge by replying `ACK INC-4`; a call reads the page and, when the bot has a
/// public URL for Twilio to report back to, takes "press 1" and asks to hear how it ended. Twilio has no idempotency
/// key: a text or a call retried after a crash mid-send may come twice.
public struct TwilioTransport: OutboxTransport {
    public let method: ContactMethod
    let http: ProviderHTTP
    public var timeLimit: Duration? { http.timeout }
    /// `https://api.twilio.com` (`TWILIO_API_URL` overrides it).
    let apiURL: String
    let accountSID: String
    let authToken: Secret
    /// The number pages come from, E.164.
    let from: String
    let links: AckLinks?
    let logger: Logger

    public init(method: ContactMethod, apiURL: String, accountSID: String, authToken: Secret, from: String, links: AckLinks?,
                logger: Logger) {
        precondition(method == .sms || method == .voice, "Twilio carries sms and voice")
        self.method = method
        http = ProviderHTTP()
        self.apiURL = apiURL
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
        self.links = links
        self.logger = logger
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        guard case .directMessage(let person, let message) = job.action else {
            throw .rejected("\(method) carries pages and direct messages only")
        }
        guard let number = job.people[person]?.account else { throw .rejected("@\(person) has no phone number") }
        let fields: [String: String]
        let resource: String
        switch method {
        case .voice:
            resource = "Calls.json"
            let token = callToken(job)
            var call = ["To": number, "From": from,
                        "Twiml": callScript(message, token: token, typesCommands: job.recipientTypesCommands, incident: job.incident)]
            // How a page's call ended comes back, so one that rang out goes on to the person's
            // next method (`TwilioWebhooks.callEnded`).
            if let links, let token {
                call["StatusCallback"] = links.publicURL + TwilioPaths.callStatus + token
                call["StatusCallbackMethod"] = "POST"
            }
            fields = call
        default:
            resource = "Messages.json"
            var text = ["To": number, "From": from, "Body": text(message, job: job)]
            // A text Twilio takes may still not arrive (a landline, carrier filtering): its fate
            // comes back, so one the carrier did not deliver goes on to the person's next method
            // (`TwilioWebhooks.textEnded`).
            if let links, let page = job.page, let incident = job.incident, let queued = job.queuedAt {
                text["StatusCallback"] = links.publicURL + TwilioPaths.messageStatus
                    + links.token(incident: incident, person: page.person, page: job.key, method: .sms, queuedAt: queued,
                                  declaredAt: job.incidentDeclaredAt)
            }
            fields = text
        }
        let credentials = Base64URL.standard(Array("\(accountSID):\(authToken.value)".utf8))
        let answer = try await http.send(.POST, "\(apiURL)/2010-04-01/Accounts/\(accountSID)/\(resource)",
                                         headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic \(credentials)")],
                                         body: Array(FormEncoding.encode(fields).utf8), provider: "Twilio", secrets: [authToken])
        guard answer.status == 201 else {
            if answer.status == 401 || answer.status == 403 {
                logger.error("Twilio refuses the bot's credentials: check paging.twilio.account_sid and TWILIO_AUTH_TOKEN",
                             metadata: ["answer": "\(answer.text)"])
                throw .unavailable("Twilio refuses the credentials (\(answer.status))")
            }
            throw ProviderHTTP.failure(answer, provider: "Twilio", logger: logger)
        }
        return .delivered
    }

    /// The text of a page: its heading, how to acknowledge, the rest of its lines, then the
    /// acknowledge link. How to answer comes second: a phone's lock screen shows about the
    /// first hundred characters, and "Reply ACK" came after the paged role, the status and the
    /// room, at character 267. A long page is cut, never the instructions, to Twilio's 1,600
    /// characters counted as it counts them (UTF-16 units: an emoji is two, and a page cut one
    /// over was refused, error 21617, and left SMS).
    func text(_ message: Message, job: TransportJob) -> String {
        var answer = "", link = ""
        if job.page?.asksForAcknowledgement == true, let incident = job.incident {
            // Replies reach the bot only through its public URL (`http.public_url`); without
            // one, a reply would go nowhere while the ladder climbs, so the text says so.
            if let links {
                answer = "Reply ACK INC-\(incident) to acknowledge."
                if let queued = job.queuedAt {
                    link = "\nOr open " + links.link(incident: incident, person: job.page!.person, page: job.key, method: .sms, queuedAt: queued,
                                                    declaredAt: job.incidentDeclaredAt) + " to acknowledge."
                }
            } else if job.recipientTypesCommands {
                answer = "Acknowledge INC-\(incident) in chat; replies to this number are not read."
            } else {
                answer = PageAnswers.cannotAcknowledge(incident, by: "text")
            }
        }
        let words = job.readerText(message)
        guard !answer.isEmpty else { return words.clipped(to: Self.textLimit, in: .utf16) }
        let heading = String(words.prefix { $0 != "\n" }).clipped(to: Self.textLimit / 4, in: .utf16)
        let head = heading + "\n" + answer
        let rest = words.drop { $0 != "\n" }.dropFirst()
        let left = Self.textLimit - TextUnit.utf16.count(head) - TextUnit.utf16.count(link) - 1
        return head + (rest.isEmpty ? "" : "\n" + String(rest).clipped(to: left, in: .utf16)) + link
    }

    /// Twilio's most for a text (`Body`), in UTF-16 units.
    static let textLimit = 1_600
    /// The most of a call's script the page's own words take once escaped: the whole TwiML
    /// must stay under Twilio's 4,000 characters (error 32018), and escaping can make a
    /// status of quotes and ampersands five times longer than it was typed.
    static let spokenLimit = 1_500
    /// The most UTF-8 bytes of the page's own words one `<Say>` reads: Twilio's text to speech
    /// takes at most 3,000 (Amazon Polly's voices; 4,096 for the basic ones). Counted in UTF-16
    /// units alone, a Chinese status made a `<Say>` of 4,200 bytes.
    static let spokenBytes = 2_800

    /// `text` escaped for TwiML, cut at a whole character so the escaped form is at most `limit`
    /// UTF-16 units (a character outside the BMP counts two) and the text read at most
    /// `spokenBytes` UTF-8 bytes.
    static func escaped(_ text: String, upTo limit: Int) -> String {
        var escaped = ""
        var length = 0
        var bytes = 0
        for character in text {
            let piece = String(character).htmlEscaped
            guard length + piece.utf16.count <= limit, bytes + character.utf8.count <= spokenBytes else { break }
            escaped += piece
            length += piece.utf16.count
            bytes += character.utf8.count
        }
        return escaped
    }

    /// The most of the page's first line (the incident, its severity and title) read again
    /// after the page, once escaped.
    static let repeatedLimit = 600

    /// The signed token of a page's call, which its keypress and its status callback carry;
    /// nil without a public URL for Twilio to report back to, or for a call that is no page.
    func callToken(_ job: TransportJob) -> String? {
        guard let links, let page = job.page, let incident = job.incident, let queued = job.queuedAt else { return nil }
        return links.token(incident: incident, person: page.person, page: job.key, method: .voice, queuedAt: queued,
                           declaredAt: job.incidentDeclaredAt)
    }

    /// TwiML for the call: the page read out (`spokenLines`: no command, room or address), and,
    /// for a page that asks for an acknowledgement when Twilio can report the keypress to the
    /// bot, "press 1 to acknowledge". Text is escaped: nothing a person typed becomes TwiML.
    func callScript(_ message: Message, token: String?, typesCommands: Bool = true, incident: Int? = nil) -> String {
        let spokenLines = message.spokenLines
        let words = Self.escaped(spokenLines.joined(separator: " "), upTo: Self.spokenLimit)
        let say = "<Say>This is incident-bot. \(words)</Say>"
        guard message.actions.contains(.acknowledge) else { return "<Response>\(say)<Say>Goodbye.</Say></Response>" }
        guard let links, let token else {
            guard !typesCommands, let incident else { return "<Response>\(say)<Say>Acknowledge in chat.</Say></Response>" }
            return "<Response>\(say)<Say>\(PageAnswers.cannotAcknowledge(incident, by: "phone").htmlEscaped)</Say></Response>"
        }
        // Said first and last, and the incident read again: someone woken at 3 a.m. who missed
        // the first seconds heard the page once, and "press 1" only after all of it.
        let gather = "<Gather numDigits=\"1\" timeout=\"10\" method=\"POST\" action=\"\((links.publicURL + TwilioPaths.voice + token).htmlEscaped)\">"
        let heading = Self.escaped(spokenLines.first ?? "", upTo: Self.repeatedLimit)
        return "<Response>\(gather)<Say>This is incident-bot. Press 1 at any time to acknowledge.</Say>"
            + "<Say>\(words)</Say><Say>Press 1 to acknowledge.</Say></Gather>"
            + "\(gather)<Say>Again: \(heading) Press 1 to acknowledge.</Say></Gather>"
            + "<Say>Nothing was pressed; the page stands. Goodbye.</Say></Response>"
    }
}
