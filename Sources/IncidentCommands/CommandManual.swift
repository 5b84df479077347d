/// The command manual: what `commands/*.md` says of each command, carried into the binary
/// for `/incident help` and for the usage line of every error.
///
/// The Markdown files are the source. `CommandManual+Generated.swift` is written from them by
/// `UPDATE_COMMAND_MANUAL=1 swift test --filter CommandManualTests`, and a test fails whenever
/// the two differ, so the manual, the help and the parser cannot drift apart.
public struct CommandManual: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var name: CommandName
        /// The usage lines, as `## Syntax` shows them.
        public var syntax: [String]
        /// The first paragraph: what the command does, in one or two sentences.
        public var summary: String
        /// Who may use it, as `## Who may use it` says.
        public var whoMayUse: String
        /// `## What it does`, a paragraph each: the rules a responder needs at the command.
        public var whatItDoes: [String]
        /// What responders can type, from `## Examples` (those that parse).
        public var examples: [String]

        public init(name: CommandName, syntax: [String], summary: String, whoMayUse: String, whatItDoes: [String] = [],
                    examples: [String]) {
            self.name = name
            self.syntax = syntax
            self.summary = summary
            self.whoMayUse = whoMayUse
            self.whatItDoes = whatItDoes
            self.examples = examples
        }
    }

    /// The manual's entry for `name`. Tests guarantee every command has one; were one missing,
    /// help would show the bare command rather than the bot trapping.
    public static func entry(_ name: CommandName) -> Entry {
        byName[name] ?? Entry(name: name, syntax: ["/" + name.rawValue], summary: "", whoMayUse: "", examples: [])
    }

    /// The entries by command: every declaration's welcome lists ten commands' usage lines.
    static let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
}
