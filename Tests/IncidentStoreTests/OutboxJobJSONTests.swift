import IncidentCore
import IncidentEngine
import IncidentStorage
import Testing

/// A job's `job` column is written without an encoder (`StateCoding.encodeJob`): it must be
/// the very text its `Codable` form gives (`StateCoding.encode`), which is what reads it back,
/// for every kind of job and every optional field, set and unset.
@Suite struct OutboxJobJSONTests {
    static let awkward = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} é 📌 \u{2028}"

    static let message = Message(lines: [
        [.text("plain "), .strong("bold"), .userText(awkward), .mention("alice"), .room("incident-1")],
        [],
        [.code("x = 1"), .command("ack INC-1"), .link(url: "https://example.com/a?b=\"c\"", label: "runbook"),
         .link(url: "https://example.com", label: "https://example.com")],
        [.block("# Draft\n| a | b |\n" + awkward)],
    ], actions: [.acknowledge, .postUpdate], kind: .page)

    static let pages: [Page] = [
        Page(person: "alice", ladder: "engineering", level: "L1", role: "on-call engineer", message: message),
        Page(person: PersonID.unlisted(.slack, "U1"), ladder: "business", level: "L3", role: awkward, message: Message(lines: []),
             methods: [.voice, .sms, .pagerduty], severity: .p0, atOnce: true, effectNumber: 12, alsoFor: ["business", "x\"y"]),
        Page(person: "bob", ladder: "engineering", level: "L2", role: "team lead", message: message, methods: [.email],
             severity: .p3, atOnce: false, effectNumber: 0, alsoFor: []),
    ]

    static let jobs: [OutboxItem.Job] = [
        .effect(.createRoom(name: "incident-20261124-x", topic: message, invite: ["alice", "bob"])),
        .effect(.createRoom(name: awkward, topic: Message(lines: []), invite: [], isPrivate: true)),
        .effect(.createRoom(name: "r", topic: message, invite: ["carol"], isPrivate: false)),
        .effect(.invite([])),
        .effect(.invite(["alice", PersonID.unlisted(.matrix, "@x:example.org")])),
        .effect(.setTopic(message)),
        .effect(.post(message, to: .incidentRoom)),
        .effect(.post(Message(.text(awkward)), to: .broadcast)),
        .effect(.directMessage(message, to: "dave")),
        .effect(.settlePages(PageSettlement(outcome: .acknowledged, pages: []))),
        .effect(.settlePages(PageSettlement(outcome: .resolved, pages: [PagedLevel(person: "alice", ladder: "engineering", level: "L1")]))),
        .effect(.settlePages(PageSettlement(outcome: .handedOver, pages: [
            PagedLevel(person: "alice", ladder: "engineering", level: "L1"),
            PagedLevel(person: "erin", ladder: awkward, level: "L4"),
        ]))),
        .reply(room: "incident-1", user: "alice", message),
        .reply(room: awkward, user: "U\"1", Message(lines: [], actions: [], kind: .notice)),
    ] + pages.map { .effect(.page($0)) }

    @Test(arguments: jobs)
    func writtenAsItsCodableFormIs(_ job: OutboxItem.Job) throws {
        let written = StateCoding.encodeJob(job)
        #expect(written == (try StateCoding.encode(job)))
        #expect(try StateCoding.decode(OutboxItem.Job.self, written) == job)
    }

    /// Each kind of message a job carries, with each span's text awkward.
    @Test(arguments: [Message.Kind.notice, .page, .nudge, .reminder, .warning])
    func everyKindOfMessage(_ kind: Message.Kind) throws {
        var message = Self.message
        message.kind = kind
        let job = OutboxItem.Job.effect(.post(message, to: .incidentRoom))
        #expect(StateCoding.encodeJob(job) == (try StateCoding.encode(job)))
    }
}
