import IncidentCore

/// The tokens after the command word, consumed left to right.
struct Arguments {
    let text: String
    let tokens: [Token]
    private(set) var index = 0

    init(text: String, tokens: [Token]) {
        self.text = text
        self.tokens = tokens
    }

    var endOffset: Int { text.count }

    func peek() -> Token? { peek(after: 0) }

    /// The token `distance` places after the next one, without taking anything.
    func peek(after distance: Int) -> Token? { index + distance < tokens.count ? tokens[index + distance] : nil }

    @discardableResult
    mutating func next() -> Token? {
        guard let token = peek() else { return nil }
        index += 1
        return token
    }

    /// `command`, provided nothing else was typed.
    mutating func finish(_ command: Command) throws(CommandError) -> Command {
        if let extra = peek() {
            throw CommandError(.unexpectedArgument, "Unexpected “\(extra.text.clipped)”.", position: extra.offset)
        }
        return command
    }

    /// Takes the next token if it names an incident (`INC-42`, `#incident-...`); one meant as a
    /// reference that names none (`INC-0`) is refused, never read as the command's text.
    mutating func takeIncidentRef() throws(CommandError) -> IncidentRef? {
        guard let token = peek() else { return nil }
        // In quotes (`"INC-1"`), a reference is one marked, as in brackets.
        let reading = IncidentRef.read(token.text)
        switch token.quoted && reading != .notAReference ? .malformed(.marked) : reading {
        case .notAReference:
            return nil
        case .ref(let ref):
            next()
            return ref
        case .malformed(.number):
            throw CommandError(.invalidArgument, "“\(token.text.clipped)” is not an incident number: incidents are INC-1, INC-2, ...",
                               position: token.offset)
        case .malformed(.unnamedChannel):
            throw CommandError(.invalidArgument,
                               "That channel link names no incident room (Slack sent no incident-… name); name the incident by its number, as in INC-42.",
                               position: token.offset)
        case .malformed(.marked):
            throw CommandError(.invalidArgument,
                               "“\(token.text.clipped)” reads as a reference to an incident in marks; write it bare, as in INC-42, or start the text with another word.",
                               position: token.offset)
        }
    }

    /// Refuses an incident reference as the next word, where a reason would start after the
    /// command's own argument (`/sev P0 INC-2`): read as the reason, the change went to the
    /// incident of the room it was typed in, and the VP was paged for the wrong one.
    /// `written` says the command with the reference first, as in `sev INC-2 P0`.
    func refuseReferenceAsReason(written: (IncidentRef) -> String) throws(CommandError) {
        var ahead = self
        guard let ref = try ahead.takeIncidentRef(), let token = peek() else { return }
        throw CommandError(.unexpectedArgument,
                           "“\(token.text.clipped)” names an incident: name it first, as in \(command: written(ref)) "
                               + "(here it would be the reason).",
                           position: token.offset)
    }

    /// The rest of the line, which must not be empty; the error asks to add `required`.
    mutating func restAsText(required: BotText) throws(CommandError) -> String {
        guard let text = try restAsText() else {
            throw CommandError(.missingArgument, "Add " + required + ".", position: endOffset)
        }
        return text
    }

    /// The rest of the line as typed (quotes, spacing and line breaks kept), without control
    /// characters; nil when nothing is left.
    mutating func restAsText() throws(CommandError) -> String? {
        guard let first = peek() else { return nil }
        index = tokens.count
        let rest = FreeText.typed(String(text[first.start...]))
        guard rest.unicodeScalars.count <= CommandParser.maxTextLength else {
            throw CommandError(.tooLong, "That text is too long (over \(CommandParser.maxTextLength) characters).",
                               position: first.offset)
        }
        return rest.isEmpty ? nil : rest
    }

    /// The next token as a person, and nothing after it.
    mutating func takePerson(for what: String) throws(CommandError) -> PersonRef {
        let person = try takeMention(for: what)
        if let extra = peek() {
            throw CommandError(.unexpectedArgument, "Name one person; unexpected “\(extra.text.clipped)”.",
                               position: extra.offset)
        }
        return person
    }

    /// The next token as a person; more may follow.
    mutating func takeMention(for what: String) throws(CommandError) -> PersonRef {
        guard let token = next() else {
            throw CommandError(.missingArgument, "Mention \(what), like @alice.", position: endOffset)
        }
        guard let person = Mention.person(token.text) else {
            throw CommandError(.invalidArgument, "“\(token.text.clipped)” is not a person; mention them, like @alice.",
                               position: token.offset)
        }
        return person
    }
}
