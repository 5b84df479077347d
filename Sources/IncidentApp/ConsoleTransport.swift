import IncidentCore
import IncidentEngine

/// The console platform's outbound half: prints what the bot would send, where it would
/// send it. Room ids on the console are room names.
public struct ConsoleTransport: ChatTransport {
    public let platform = Platform.console
    /// A repeat after a crash is a line printed twice in a transcript.
    public var sendsAhead: Bool { true }
    let output: ConsoleOutput
    let botName: String

    public init(output: ConsoleOutput, botName: String = "incident-bot") {
        self.output = output
        self.botName = botName
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        func handles(_ people: [PersonID]) -> String {
            people.map { job.people[$0]?.handle ?? "\($0.handle)" }.joined(separator: ", ")
        }
        switch job.action {
        case .createRoom(let name, let topic, let invite, let isPrivate):
            output.message("#" + name, botName, "created \(isPrivate ? "private " : "")#\(name) and invited \(handles(invite))")
            output.message("#" + name, "topic", topic.consoleText)
            return .roomCreated(id: name, name: name)
        case .invite(let room, let people):
            output.message("#" + room, botName, "invited \(handles(people))")
        case .setTopic(let room, let topic):
            output.message("#" + room, "topic", topic.consoleText)
        case .post(let room, let message):
            output.message("#" + room, botName, message.consoleText)
        case .directMessage(let person, let message):
            output.message("dm " + (job.people[person]?.handle ?? "\(person.handle)"), botName, message.consoleText)
        case .reply(let room, let user, let message):
            output.message("#" + room, "\(botName) to @\(user)", message.consoleText)
        case .settle:
            throw .rejected("pages on the console have nothing to settle")
        }
        return .delivered
    }
}
