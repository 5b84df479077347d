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
            json.raw("{\"reply\":{\"room\":")
            json.string(room)
            json.raw(",\"user\":")
            json.string(user)
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
            json.raw("{\"createRoom\":{\"name\":")
            json.string(name)
            json.raw(",\"topic\":")
            write(topic, into: &json)
            json.raw(",\"invite\":")
            write(invite, into: &json)
            if let isPrivate {
                json.raw(",\"isPrivate\":")
                json.bool(isPrivate)
            }
        case .invite(let people):
            json.raw("{\"invite\":{\"_0\":")
            write(people, into: &json)
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
            json.raw(",\"to\":")
            json.string(person.rawValue)
        case .page(let page):
            json.raw("{\"page\":{\"_0\":")
            write(page, into: &json)
        case .settlePages(let settlement):
            json.raw("{\"settlePages\":{\"_0\":{\"outcome\":")
            json.string(settlement.outcome.rawValue)
            json.raw(",\"pages\":[")
            for (index, paged) in settlement.pages.enumerated() {
                if index > 0 { json.raw(UInt8(ascii: ",")) }
                json.raw("{\"person\":")
                json.string(paged.person.rawValue)
                json.raw(",\"ladder\":")
                json.string(paged.ladder)
                json.raw(",\"level\":")
                json.string(paged.level)
                json.raw(UInt8(ascii: "}"))
            }
            json.raw("]}")
        }
        json.raw("}}")
    }

    static func write(_ page: Page, into json: inout JSONWriter) {
        json.raw("{\"person\":")
        json.string(page.person.rawValue)
        json.raw(",\"ladder\":")
        json.string(page.ladder)
        json.raw(",\"level\":")
        json.string(page.level)
        json.raw(",\"role\":")
        json.string(page.role)
        json.raw(",\"message\":")
        write(page.message, into: &json)
        json.raw(",\"methods\":")
        strings(page.methods.map(\.rawValue), into: &json)
        if let severity = page.severity {
            json.raw(",\"severity\":")
            json.string(severity.rawValue)
        }
        if let atOnce = page.atOnce {
            json.raw(",\"atOnce\":")
            json.bool(atOnce)
        }
        if let effectNumber = page.effectNumber {
            json.raw(",\"effectNumber\":")
            json.integer(effectNumber)
        }
        if let alsoFor = page.alsoFor {
            json.raw(",\"alsoFor\":")
            strings(alsoFor, into: &json)
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
        strings(message.actions.map(\.rawValue), into: &json)
        json.raw(",\"kind\":")
        json.string(message.kind.rawValue)
        json.raw(UInt8(ascii: "}"))
    }

    /// A span as its own `Codable` writes it: its tag, then its text.
    static func write(_ span: Span, into json: inout JSONWriter) {
        let (tag, text): (StaticString, String) = switch span {
        case .text(let text): ("[\"t\",", text)
        case .strong(let text): ("[\"s\",", text)
        case .userText(let text): ("[\"u\",", text)
        case .mention(let person): ("[\"m\",", person.rawValue)
        case .room(let room): ("[\"r\",", room)
        case .code(let text): ("[\"c\",", text)
        case .command(let command): ("[\"k\",", command)
        case .link(let url, _): ("[\"l\",", url)
        }
        json.raw(tag)
        json.string(text)
        if case .link(_, let label) = span {
            json.raw(UInt8(ascii: ","))
            json.string(label)
        }
        json.raw(UInt8(ascii: "]"))
    }

    static func write(_ people: [PersonID], into json: inout JSONWriter) {
        strings(people.map(\.rawValue), into: &json)
    }

    static func strings(_ values: [String], into json: inout JSONWriter) {
        json.raw(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.string(value)
        }
        json.raw(UInt8(ascii: "]"))
    }
}
