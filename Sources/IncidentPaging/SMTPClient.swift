import Foundation
import IncidentEngine
import IncidentHTTP
import IncidentTLS
import IncidentWire
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Sends one mail over SMTP (RFC 5321): EHLO, STARTTLS or implicit TLS, AUTH PLAIN, MAIL,
/// RCPT, DATA, QUIT, one connection per mail. Pages are rare and must not wait behind a pooled
/// connection a relay has quietly dropped.
public struct SMTPClient: Sendable {
    public enum Security: String, Sendable, CaseIterable {
        /// Plain SMTP, then `STARTTLS` before anything else: the mail is refused if the server
        /// does not offer it (port 587).
        case starttls
        /// TLS from the first byte (port 465).
        case tls
        /// No TLS at all: a relay on the same host or network only; credentials are refused.
        case none
    }

    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var security: Security
        /// The name the bot gives in EHLO.
        public var heloName: String
        public var username: Secret?
        public var password: Secret?
        /// PEM file of the certificate authority that signed the server's certificate, for a
        /// relay with a private CA; nil: the system's trust store.
        public var caFile: String?
        /// How long the whole conversation may take.
        public var timeout: Duration

        /// What to greet a relay with for mail from `from`: its domain, a fully qualified name
        /// as RFC 5321 asks. Relays that refuse a bare name (Postfix's
        /// `reject_non_fqdn_helo_hostname`) answered `incident-bot` 504, and every page mail
        /// failed over.
        public static func greeting(from: String) -> String { PageMail.domain(of: from) ?? "incident-bot" }

        public init(host: String, port: Int, security: Security, heloName: String = "incident-bot", username: Secret? = nil,
                    password: Secret? = nil, caFile: String? = nil, timeout: Duration = .seconds(30)) {
            self.host = host
            self.port = port
            self.security = security
            self.heloName = heloName
            self.username = username
            self.password = password
            self.caFile = caFile
            self.timeout = timeout
        }
    }

    public let settings: Settings
    let group: any EventLoopGroup
    /// The most lines one reply may have: an EHLO answer names a few dozen extensions at most.
    static let replyLines = 200

    public init(settings: Settings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
    }

    /// Sends `data` (the whole message, headers and body, lines ending in CRLF) from `from` to
    /// `to`. Throws `SMTPError` saying whether trying again may help.
    public func send(from: String, to: String, data: String) async throws(SMTPError) {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.converse(from: from, to: to, data: data) }
                group.addTask {
                    try await Task.sleep(for: settings.timeout)
                    throw SMTPError.temporary("no answer within \(settings.timeout)")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as SMTPError {
            throw error
        } catch let error as NIOSSLError {
            throw .setup("\(settings.host): \(NetworkFailure.reason(error) ?? "TLS failed: \(error)")")
        } catch {
            throw .temporary("\(settings.host): " + (NetworkFailure.reason(error) ?? "\(error)"))
        }
    }

    func converse(from: String, to: String, data: String) async throws {
        let tls = try makeTLSContext()
        let settings = settings
        let plaintext = PlaintextLines()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls, let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(settings.host)))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(count: plaintext)))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            var consumed = 0
            func reply() async throws -> SMTPReply {
                var text: [String] = []
                while let line = try await lines.next() {
                    consumed += 1
                    guard line.count >= 3, let code = Int(line.prefix(3)) else { throw SMTPError.temporary("\(settings.host) sent a line that is not an SMTP reply (\(line.utf8.count) bytes)") }
                    // A reply that never ends (`250-` lines without end, before TLS, where
                    // anyone on the path can write) grew the bot's memory until it crashed.
                    guard text.count < Self.replyLines else {
                        throw SMTPError.temporary("\(settings.host) sent a reply of more than \(Self.replyLines) lines")
                    }
                    text.append(String(line.dropFirst(4)))
                    if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { return SMTPReply(code: code, lines: text) }
                }
                throw SMTPError.temporary("\(settings.host) closed the connection")
            }
            func command(_ text: String, expect: ClosedRange<Int>, what: String) async throws -> SMTPReply {
                try await outbound.write(ByteBuffer(string: text + "\r\n"))
                let answer = try await reply()
                guard expect.contains(answer.code) else { throw SMTPError(answer, during: what) }
                return answer
            }
            let greeting = try await reply()
            guard greeting.code == 220 else { throw SMTPError(greeting, during: "the greeting") }
            var capabilities = try await command("EHLO \(settings.heloName)", expect: 250...250, what: "EHLO").capabilities
            if settings.security == .starttls, let tls {
                guard capabilities.contains("STARTTLS") else {
                    throw SMTPError.setup("\(settings.host) does not offer STARTTLS; set security: tls or none to match the server")
                }
                _ = try await command("STARTTLS", expect: 220...220, what: "STARTTLS")
                // Whatever came after the 220 came before TLS, where anyone on the path can
                // write: replies read later as the relay's (a 250 to the mail, say) would say
                // a page was mailed when it was not. Checked and TLS put in place in one turn
                // of the event loop, so no byte slips between the two.
                let read = consumed
                try await channel.channel.eventLoop.submit {
                    guard plaintext.decoded.load(ordering: .relaxed) == read, plaintext.leftover.load(ordering: .relaxed) == 0 else {
                        throw SMTPError.setup("\(settings.host) sent more after its 220 to STARTTLS, before TLS began: "
                                              + "someone on the network may be answering for it")
                    }
                    let handler = try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(settings.host))
                    try channel.channel.pipeline.syncOperations.addHandler(handler, position: .first)
                }.get()
                do {
                    capabilities = try await command("EHLO \(settings.heloName)", expect: 250...250, what: "EHLO after STARTTLS").capabilities
                } catch is ChannelError {
                    // A failed handshake closes the channel; the write after it may report
                    // that before the TLS error itself arrives.
                    throw SMTPError.setup("TLS with \(settings.host) failed: the connection closed in the handshake "
                                          + "(is its certificate trusted? see ca_file)")
                }
            }
            if let username = settings.username, let password = settings.password {
                let plain = Base64URL.standard([0] + Array(username.value.utf8) + [0] + Array(password.value.utf8))
                do {
                    _ = try await command("AUTH PLAIN \(plain)", expect: 235...235, what: "AUTH")
                } catch let error as SMTPError {
                    throw SMTPError.setup("\(settings.host) refused the credentials: \(error.reason)")
                }
            }
            _ = try await command("MAIL FROM:<\(from)>", expect: 250...250, what: "MAIL FROM")
            _ = try await command("RCPT TO:<\(to)>", expect: 250...251, what: "RCPT TO")
            _ = try await command("DATA", expect: 354...354, what: "DATA")
            // The relay takes the mail only with the line that ends it: a leader whose term ran
            // out while the conversation went on leaves without it, and nothing is mailed.
            try LeaderTerm.mustStillLead()
            _ = try await command(Self.dotStuffed(data) + ".", expect: 250...250, what: "the message")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }

    func makeTLSContext() throws -> NIOSSLContext? {
        guard settings.security != .none else { return nil }
        return try NIOSSLContext(configuration: TrustRoots.clientConfiguration(trusting: settings.caFile))
    }

    /// SNI takes a host name, never an address literal.
    static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }

    /// The message as DATA sends it: CRLF line ends, and a line starting with `.` doubled
    /// (RFC 5321 section 4.5.2), so no line of the mail can end it early.
    static func dotStuffed(_ data: String) -> String {
        var out = ""
        for line in data.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            out += (line.hasPrefix(".") ? "." : "") + line + "\r\n"
        }
        return out
    }
}

/// A reply: its code and its text lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]

    /// EHLO's extension keywords, upper-cased: `STARTTLS`, `AUTH`, `SIZE`.
    var capabilities: Set<String> {
        Set(lines.dropFirst().compactMap { $0.split(separator: " ").first.map { $0.uppercased() } })
    }
}

/// Why a mail was not sent, and whether trying again may help.
public enum SMTPError: Error, Sendable, CustomStringConvertible {
    /// A 4xx reply, a dropped connection, a timeout: try again later.
    case temporary(String)
    /// A 5xx reply about this mail (no such mailbox): trying again will not help.
    case permanent(String)
    /// The operator's to fix (TLS, credentials): retried, and logged as an error.
    case setup(String)
    /// Not sent yet, on purpose: a page mail waiting for its incident's room (`EmailTransport`).
    case waitingForRoom

    /// A refusal by its codes alone, the reply code and the enhanced status (`5.1.1`, no such
    /// mailbox): the reason reaches the incident's room and timeline, and the relay's own words
    /// may hold anything, the line it was sent among them. A relay that echoed `AUTH PLAIN ...`
    /// put the bot's credentials there.
    init(_ reply: SMTPReply, during what: String) {
        let first = reply.lines.first?.split(separator: " ").first.map(String.init) ?? ""
        let enhanced = first.wholeMatch(of: /[245]\.[0-9]{1,3}\.[0-9]{1,3}/) != nil ? " " + first : ""
        let text = "\(what): \(reply.code)\(enhanced)"
        self = reply.code >= 500 ? .permanent(text) : .temporary(text)
    }

    public var reason: String {
        switch self {
        case .temporary(let text), .permanent(let text), .setup(let text): text
        case .waitingForRoom: "waiting for the incident room"
        }
    }

    public var description: String { reason }
}

/// Splits the server's bytes into reply lines without their CRLF; a line longer than SMTP
/// allows (RFC 5321: 512 octets) is an error, not a buffer that grows without end.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    let count: PlaintextLines

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4_096 { throw SMTPError.temporary("a reply line longer than 4096 bytes") }
            count.leftover.store(buffer.readableBytes, ordering: .relaxed)
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        count.decoded.add(1, ordering: .relaxed)
        count.leftover.store(buffer.readableBytes, ordering: .relaxed)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

/// What the line decoder has read: the lines it passed on, and the bytes it holds of one not
/// yet ended. Written and read on the connection's event loop.
final class PlaintextLines: Sendable {
    let decoded = Atomic<Int>(0)
    let leftover = Atomic<Int>(0)
}
