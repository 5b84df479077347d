import IncidentCore
import IncidentEngine
import IncidentWire

/// An outbox job's JSON, written straight into the text: byte for byte what
/// `StreamingJSONEncoder` writes for the job's `Codable` form, which is the form a job is read
/// back with, but without the `Encoder` protocol's generic calls and boxed keys. Every command
/// queues jobs (a declaration seven), so they are a tenth of a drill's time when encoded
/// through `Codable`. `OutboxJobJSONTests` holds the two forms together for every kind of job
/// and every optional field, set and unset; a field added to a job's types must be added here.
enum OutboxJobJSON {
    static func text(_ job: OutboxItem.Job) -> String {
        var json = JSONWriter(capacity: 1024)
        switch job {
        case .effect(let action):
            json.raw("{\"effect\":{\"_0\":")
            write(action, into: &json)
            json.raw("}}")
        case .reply(let room, let user, let message):
            json.member("{\"reply\":{\"room\":", room)
            json.member(",\"user\":", user)
            json.raw(",\"_2\":")
            write(message, into: &json)
            json.raw("}}")
        }
        return json.text
    }

    /// An enum case with associated values, as Swift's synthesized `Codable` writes it: an
    /// object with the case's name, holding an object of its values (`_0` for an unlabelled
    /// one, by position).
    static func write(_ action: Effect.Action, into json: inout JSONWriter) {
        switch action {
        case .createRoom(let name, let topic, let invite, let isPrivate):
            json.member("{\"createRoom\":{\"name\":", name)
            json.raw(",\"topic\":")
            write(topic, into: &json)
            json.raw(",\"invite\":")
            json.strings(invite.map(\.rawValue))
            json.memberIfPresent(",\"isPrivate\":", isPrivate)
        case .invite(let people):
            json.raw("{\"invite\":{\"_0\":")
            json.strings(people.map(\.rawValue))
        case .setTopic(let topic):
            json.raw("{\"setTopic\":{\"_0\":")
            write(topic, into: &json)
        case .post(let message, let target):
            json.raw("{\"post\":{\"_0\":")
            write(message, into: &json)
            switch target {
            case .incidentRoom: json.raw(",\"to\":{\"incidentRoom\":{}}")
            case .broadcast: json.raw(",\"to\":{\"broadcast\":{}}")
            }
        case .directMessage(let message, let person):
            json.raw("{\"directMessage\":{\"_0\":")
            write(message, into: &json)
            json.member(",\"to\":", person.rawValue)
        case .page(let page):
            json.raw("{\"page\":{\"_0\":")
            write(page, into: &json)
        case .settlePages(let settlement):
            json.member("{\"settlePages\":{\"_0\":{\"outcome\":", settlement.outcome.rawValue)
            json.raw(",\"pages\":[")
            for (index, paged) in settlement.pages.enumerated() {
                if index > 0 { json.raw(UInt8(ascii: ",")) }
                json.member("{\"person\":", paged.person.rawValue)
                json.member(",\"ladder\":", paged.ladder)
                json.member(",\"level\":", paged.level)
                json.raw(UInt8(ascii: "}"))
            }
            json.raw("]}")
        }
        json.raw("}}")
    }

    static func write(_ page: Page, into json: inout JSONWriter) {
        json.member("{\"person\":", page.person.rawValue)
        json.member(",\"ladder\":", page.ladder)
        json.member(",\"level\":", page.level)
        json.member(",\"role\":", page.role)
        json.raw(",\"message\":")
        write(page.message, into: &json)
        json.raw(",\"methods\":")
        json.strings(page.methods.map(\.rawValue))
        json.memberIfPresent(",\"severity\":", page.severity?.rawValue)
        json.memberIfPresent(",\"atOnce\":", page.atOnce)
        json.memberIfPresent(",\"effectNumber\":", page.effectNumber)
        if let alsoFor = page.alsoFor {
            json.raw(",\"alsoFor\":")
            json.strings(alsoFor)
        }
        json.raw(UInt8(ascii: "}"))
    }

    static func write(_ message: Message, into json: inout JSONWriter) {
        json.raw("{\"lines\":[")
        for (index, line) in message.lines.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.raw(UInt8(ascii: "["))
            for (index, span) in line.enumerated() {
                if index > 0 { json.raw(UInt8(ascii: ",")) }
                write(span, into: &json)
            }
            json.raw(UInt8(ascii: "]"))
        }
        json.raw("],\"actions\":")
        json.strings(message.actions.map(\.rawValue))
        json.member(",\"kind\":", message.kind.rawValue)
        json.raw(UInt8(ascii: "}"))
    }

    /// A span as its own `Codable` writes it: its tag, then its text.
    static func write(_ span: Span, into json: inout JSONWriter) {
        switch span {
        case .text(let text): json.member("[\"t\",", text)
        case .strong(let text): json.member("[\"s\",", text)
        case .userText(let text): json.member("[\"u\",", text)
        case .mention(let person): json.member("[\"m\",", person.rawValue)
        case .room(let room): json.member("[\"r\",", room)
        case .code(let text): json.member("[\"c\",", text)
        case .command(let command): json.member("[\"k\",", command)
        case .block(let text): json.member("[\"b\",", text)
        case .link(let url, let label):
            json.member("[\"l\",", url)
            json.raw(UInt8(ascii: ","))
            json.string(label)
        }
        json.raw(UInt8(ascii: "]"))
    }
}
