import IncidentCore
import IncidentEngine

/// What a page off chat (or an acknowledge link's page) tells its reader about answering it.
enum PageAnswers {
    /// For a person who can answer it neither where it reached them nor in chat: the bot has
    /// no web address (`http.public_url`) for replies, keypresses or links, and the person has
    /// no chat account it serves. Said plainly, so nobody waits on an answer that goes nowhere
    /// while the ladder climbs.
    /// `by`: how the page reached them ("text", "phone", "mail", "this message").
    static func cannotAcknowledge(_ incident: Int, by: String) -> String {
        "This page cannot be acknowledged by \(by): you have no chat account the bot knows, and it has no web address for answers. "
            + "Its ladder goes on until INC-\(incident) is acknowledged in chat."
    }

    /// The acknowledgement as typed on each of `platforms` (the chat ones), for a page or a
    /// link's page read outside chat: `/ack INC-4 in Slack or !ack INC-4 in Matrix`. A Matrix
    /// client answers `/ack` as an unknown command of its own. With no chat platform among
    /// them (a mail before its room is made), the reader's own `otherwise`.
    static func typedAcknowledgement(_ incident: Int?, on platforms: some Collection<Platform>, otherwise: String = "/") -> String {
        let command = "ack" + (incident.map { " INC-\($0)" } ?? " and the incident number")
        let chats = Set(platforms).subtracting([.console]).sorted { $0.rawValue > $1.rawValue }
        guard chats.count > 1 || chats.first == .matrix else { return "\(chats.first?.commandPrefix ?? otherwise)\(command) in chat" }
        return chats.map { "\($0.commandPrefix)\(command) in \($0.title)" }.joined(separator: " or ")
    }

    /// How `person` can still answer once a page's link or call expired (the bot has a public
    /// address then, so text replies are read): in chat if they type commands, else by replying
    /// to a text page, else nowhere, said plainly. Never `/ack` to someone with no chat account.
    static func afterExpiry(_ incident: Int, person: PersonID, directory: Directory) -> String {
        if directory.typesCommands(person) {
            let theirs = directory.platforms.filter { directory.account(person, on: $0) != nil }
            return "Acknowledge with \(typedAcknowledgement(incident, on: theirs.isEmpty ? directory.platforms : theirs))."
        }
        if directory.pagers.contains(.sms), directory.address(person, on: .sms) != nil {
            return "Reply ACK INC-\(incident) to a text page to acknowledge."
        }
        return "You have no chat account the bot knows and no other way left to answer it: "
            + "INC-\(incident)'s ladder goes on until it is acknowledged in chat."
    }
}
