import Foundation
import IncidentCommands
import IncidentCore
import Testing

@Suite struct CommandManualTests {
    @Test func everyCommandHasAManualPage() throws {
        let pages = try ManualPage.all()
        #expect(pages.count == CommandName.allCases.count)
        for page in pages {
            #expect(page.title == "/" + page.name.rawValue, "\(page.name.manualFileName) has title \(page.title)")
            #expect(page.syntax.allSatisfy { $0.hasPrefix("/" + page.name.rawValue) }, "\(page.name.manualFileName)")
            #expect(!page.examples.isEmpty, "\(page.name.manualFileName) has no examples")
            #expect(page.examples.contains { $0.expectedError == nil }, "\(page.name.manualFileName) has no working example")
        }
    }

    @Test func generatedManualMatchesTheMarkdown() throws {
        let expected = ManualPage.generatedSource(try ManualPage.all())
        let url = ManualPage.directory.deletingLastPathComponent()
            .appendingPathComponent("Sources/IncidentCommands/CommandManual+Generated.swift")
        if ProcessInfo.processInfo.environment["UPDATE_COMMAND_MANUAL"] == "1" {
            try expected.write(to: url, atomically: true, encoding: .utf8)
        }
        let actual = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "commands/*.md changed: run UPDATE_COMMAND_MANUAL=1 swift test --filter CommandManualTests")
    }

    @Test func everyExampleParsesAsTheManualSays() throws {
        var checked = 0
        for page in try ManualPage.all() {
            for example in page.examples {
                let result = CommandParser.parse(example.input)
                switch (result, example.expectedSummary, example.expectedError) {
                case (.success(let parsed), let summary?, nil):
                    #expect(parsed.summary == summary, "\(page.name.manualFileName): \(example.input)")
                case (.failure(let error), nil, let reason?):
                    #expect(error.reason.description == reason, "\(page.name.manualFileName): \(example.input)")
                    #expect(error.usage != nil, "\(example.input) error shows no usage")
                default:
                    Issue.record("\(page.name.manualFileName): \(example.input) gave \(result)")
                }
                checked += 1
            }
        }
        #expect(checked >= 60)
    }

    @Test func errorsShowTheUsageLineOfTheirCommand() {
        guard case .failure(let error) = CommandParser.parse("/sev P9") else {
            Issue.record("/sev P9 parsed")
            return
        }
        #expect(error.usage?.description == "/sev [INC-N | #incident-room] <P0..P3> [reason]")
        #expect(error.description == "“P9” is not a severity; use P0, P1, P2 or P3. Usage: /sev [INC-N | #incident-room] <P0..P3> [reason]")
        #expect(error.position == 5)
    }

    @Test func helpListsEveryCommandAndDetailsOne() {
        let overview = CommandHelp.message(topic: nil).plainText()
        for name in CommandName.allCases {
            #expect(overview.contains("/" + name.rawValue), "help misses /\(name.rawValue)")
        }
        let sev = CommandHelp.message(topic: "sev").plainText()
        #expect(sev.hasPrefix("/sev [INC-N | #incident-room] <P0..P3> [reason]"))
        #expect(sev.contains("Who may use it: The incident commander"))
        #expect(sev.contains("/sev P0 checkout down in every region"))
        // What it does, as the page says it: the spellings a severity may take.
        #expect(sev.contains("sev1"), "\(sev)")
        // `!incident declare` and `/incident declare` are one example, shown once.
        let declare = CommandHelp.message(topic: "declare").plainText().components(separatedBy: "\n")
        #expect(declare.filter { $0 == "  /incident declare Payment API errors --sev P1" }.count == 1, "\(declare)")
    }

    /// The manual's prose names commands in backticks: on Matrix they read `!ack`, as its
    /// people type them (Element answers `/ack` as a command of its own it does not know).
    @Test func helpProseNamesCommandsAsThePlatformTypesThem() {
        for topic in [nil, "ack", "close", "ic"] {
            let onMatrix = CommandHelp.message(topic: topic).plainText(commandPrefix: "!")
            #expect(!onMatrix.contains("/ack") && !onMatrix.contains("/incident") && !onMatrix.contains("/action"),
                    "\(topic ?? "help"): \(onMatrix)")
        }
        let ack = CommandHelp.message(topic: "ack")
        #expect(ack.plainText(commandPrefix: "!").contains("!ack INC-42"))
        // Every command the prose names is one: a path in backticks (`/etc/x`) would be shown
        // as a command, and an odd backtick would shift every pair after it.
        for entry in CommandManual.entries {
            for prose in [entry.summary, entry.whoMayUse] + entry.whatItDoes {
                #expect(prose.filter { $0 == "`" }.count % 2 == 0, "\(entry.name): \(prose)")
                for case .command(let typed) in BotText.prose(prose).spans {
                    let words = typed.split(separator: " ").map(String.init)
                    let named = CommandName(lookingUp: words.prefix(2).joined(separator: " ")) ?? CommandName(lookingUp: words[0])
                    // `/incident` alone names the family of commands.
                    #expect(named != nil || typed == "incident", "\(entry.name): `/\(typed)` names no command")
                }
            }
        }
        // Other code stays code, and a lone backtick stays as it is.
        #expect(BotText.prose("Say `P1` or `/sev P1`; a ` alone.").spans
                == [.text("Say "), .code("P1"), .text(" or "), .command("sev P1"), .text("; a ` alone.")])
    }
}
