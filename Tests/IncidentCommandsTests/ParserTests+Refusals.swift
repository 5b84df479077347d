import IncidentCommands
import IncidentCore
import Testing

/// What the parser refuses, and how its refusals read.
extension ParserTests {
    @Test func errorsSayWhereTheProblemIs() {
        #expect(error("/sev P9")?.position == 5)
        #expect(error("/incident declare x --sev P9")?.position == 26)
        #expect(error("/ack now")?.position == 5)
    }

    /// Dashes that name no option are a title's punctuation: `---` was refused as an unknown
    /// option, and `-->` too.
    @Test func dashesBeforeNoNameAreATitlesPunctuation() {
        guard case .declare(let declaration)? = parsed("/incident declare DB down --- again --sev P1")?.command else {
            Issue.record("\(String(describing: error("/incident declare DB down --- again --sev P1")))")
            return
        }
        #expect(declaration.title == "DB down --- again" && declaration.severity == .p1)
        guard case .declare(let arrow)? = parsed("/incident declare queue --> worker stuck")?.command else {
            Issue.record("\(String(describing: error("/incident declare queue --> worker stuck")))")
            return
        }
        #expect(arrow.title == "queue --> worker stuck")
        #expect(error("/incident declare DB down --bogus") != nil, "an unknown option is still refused by name")
    }

    /// `/ack on it` is refused, and says first that nothing was acknowledged: "Unexpected “on”"
    /// alone was read at 3 a.m. as an answer taken, and the ladder climbed on.
    @Test func aRefusedAckSaysNothingWasAcknowledged() {
        #expect(error("/ack on it")?.description.hasPrefix("Nothing was acknowledged. Unexpected “on”.") == true, "\(error("/ack on it")?.description ?? "")")
        #expect(error("/incident ack INC-0")?.description.hasPrefix("Nothing was acknowledged.") == true)
    }

    /// `/sev P0 P1` is refused, not taken as a P0 (which pages the VP) with the reason "P1".
    @Test func twoSeveritiesAreRefusedButASeverityInAReasonIsText() {
        #expect(error("/sev P0 P1")?.description.hasPrefix("“P0 P1” names two severities; give one, as in /sev P1.") == true)
        #expect(error("/sev P0 P1")?.position == 8)
        #expect(error("/sev P1 -> P0")?.description.hasPrefix("“P1 -> P0” names two severities; give one, as in /sev P0.") == true)
        #expect(error("/sev P1 → P0.")?.kind == .unexpectedArgument)
        #expect(error("/sev P1 to P0")?.kind == .unexpectedArgument)
        #expect(error("/sev sev1 p2")?.kind == .unexpectedArgument)
        #expect(parsed("/sev P1 P2 was too low")?.command == .severity(.p1, reason: "P2 was too low"))
        // With words after the arrow, or a run of severities: it set the first, and no P0 page went.
        #expect(error("/sev P1 -> P0 now")?.description.hasPrefix("“P1 -> P0” names two severities; give one, as in /sev P0.") == true,
                "\(error("/sev P1 -> P0 now")?.description ?? "")")
        #expect(error("/sev P1 -> P0 now")?.position == 11)
        #expect(error("/sev P1 → P0 asap")?.kind == .unexpectedArgument)
        #expect(error("/sev P0 P1 P2")?.description.hasPrefix("“P0 P1” names two severities") == true)
        #expect(parsed("/sev P3 (was P0)")?.command == .severity(.p3, reason: "(was P0)"))
        #expect(error("/sev \u{200B}")?.description.hasPrefix("Say which severity") == true, "\(error("/sev \u{200B}")?.description ?? "")")
        #expect(parsed("/sev P1 - rollback under way")?.command == .severity(.p1, reason: "- rollback under way"))
        #expect(parsed("/sev P1 \"P2\"")?.command == .severity(.p1, reason: "\"P2\""))
        // A one-word reason naming the same severity says how bad it is: it was refused as two.
        #expect(parsed("/sev P0 critical")?.command == .severity(.p0, reason: "critical"))
        // As a declaration's title writes it, or its number alone.
        #expect(parsed("/sev [P0] worse")?.command == .severity(.p0, reason: "worse"))
        #expect(parsed("/sev P0: checkout dead")?.command == .severity(.p0, reason: "checkout dead"))
        #expect(parsed("/sev 1")?.command == .severity(.p1, reason: nil))
        #expect(error("/sev 4")?.kind == .invalidArgument)
        #expect(error("/sev [P4]")?.kind == .invalidArgument)
        #expect(parsed("/sev P1 high")?.command == .severity(.p1, reason: "high"))
        #expect(parsed("/sev P3 low.")?.command == .severity(.p3, reason: "low."))
        #expect(error("/sev P0 low")?.kind == .unexpectedArgument)
    }

    /// `/sev P0 INC-2`, typed in INC-1's room, raised INC-1 with "INC-2" as its reason and
    /// paged INC-1's VP, while INC-2 stayed as it was. A reference where the reason starts is
    /// refused, saying where it goes; so after `/incident close --force`.
    @Test func aReferenceWhereTheReasonStartsIsRefused() {
        #expect(error("/sev P0 INC-2")?.description.hasPrefix("“INC-2” names an incident: name it first, as in /sev INC-2 P0 (here it would be the reason).") == true,
                "\(error("/sev P0 INC-2")?.description ?? "")")
        #expect(error("/sev P0 INC-2")?.position == 8)
        #expect(error("/sev P3 INC-2: wrong one")?.kind == .unexpectedArgument)
        #expect(error("/sev P0 #incident-20261124-beta-down")?.description.contains("/sev #incident-20261124-beta-down P0") == true)
        #expect(error("/sev P0 INC-0")?.description.contains("not an incident number") == true)
        #expect(error("/sev P0 [INC-2]")?.kind == .invalidArgument)
        #expect(error("/incident close --force INC-2")?.description.hasPrefix("“INC-2” names an incident: name it first, as in /incident close INC-2 --force") == true)
        // A reason that only mentions an incident is still the reason.
        #expect(parsed("/sev P1 INC-2's fix regressed")?.command == .severity(.p1, reason: "INC-2's fix regressed"))
        #expect(parsed("/sev P1 caused by INC-2")?.command == .severity(.p1, reason: "caused by INC-2"))
        #expect(parsed("/sev INC-2 P0")?.target == .number(2))
    }

    @Test(arguments: [
        ("hello there", CommandError.Kind.notACommand), ("", .notACommand), ("   ", .notACommand),
        ("/shrug", .unknownCommand), ("!", .unknownCommand), ("/", .unknownCommand),
        ("/incident declare " + String(repeating: "x", count: 151), .tooLong),
        ("/note " + String(repeating: "x", count: 4_001), .tooLong),
        ("/note " + String(repeating: "x", count: 9_000), .tooLong),
    ])
    func refusesWithTheRightKind(text: String, kind: CommandError.Kind) {
        #expect(error(text)?.kind == kind)
    }

    /// A Slack app that registers only `/incident` takes every command as its subcommand: a
    /// typo's answer lists them all, not only the `/incident` family (it left out `ack`).
    @Test func aMistypedSubcommandIsShownEveryCommand() {
        let usage = error("/incident akc")?.description ?? ""
        for name in ["declare", "resolve", "sev", "ic", "role", "update", "ack", "note", "action"] {
            #expect(usage.contains("|\(name)|") || usage.contains("<\(name)|") || usage.contains("|\(name)>"), "\(name): \(usage)")
        }
    }

    /// The incident named first, as every other command takes it, then `done` or `list`: it
    /// was read as an item for an owner called "done", or "list".
    @Test func anActionCommandTakesTheIncidentFirst() {
        #expect(parsed("/action INC-1 done A2")?.command == .actionDone(2))
        #expect(parsed("/action INC-1 done A2")?.target == .number(1))
        #expect(parsed("/action inc-3 list")?.command == .actionList(.incident))
        #expect(parsed("/action inc-3 list")?.target == .number(3))
        #expect(parsed("/action done INC-1 A2")?.target == .number(1))
        #expect(parsed("/action INC-1 @alice Add an alert")?.target == .number(1))
        // Named twice: the second is no action item.
        #expect(error("/action INC-1 done INC-2 A2")?.kind == .invalidArgument)
    }

    /// `@incident-bot help` on Slack reads as `/help`: the refusal says which command it is.
    @Test func anIncidentSubcommandTypedAloneIsNamed() {
        #expect(error("/help")?.description.hasPrefix("“/help” is an /incident command: type /incident help ...") == true, "\(String(describing: error("/help")))")
        #expect(error("!declare DB down")?.description.hasPrefix("“!declare” is an /incident command: type /incident declare ...") == true)
        #expect(error("/incdent")?.description.hasPrefix("Unknown command “/incdent”") == true)
    }

    @Test func errorDescriptionsAreOneLine() {
        for text in ["/sev", "/ic", "/role x @a", "/update", "/incident declare", "/incident nope", "/nope", "/ack x"] {
            let description = error(text)?.description ?? ""
            #expect(!description.isEmpty && !description.contains("\n"), "\(text)")
        }
    }
    /// Slack sends mentions and links escaped (the manifest asks it to, so `/ic @bob` names
    /// bob's account) and `&`, `<`, `>` as entities in a mention's text: free text and titles
    /// read as their author sees them, while a person named by a command keeps the account.
    @Test func slacksMarkupInTypedTextReadsAsTyped() throws {
        #expect(try CommandParser.parse("/update handing over to <@U0BOB0002|bob>, dashboard <https://grafana.example/d/abc> status: investigating").get().command
                == .update(StatusUpdate(text: "handing over to @bob, dashboard https://grafana.example/d/abc", status: "investigating")))
        #expect(try CommandParser.parse("/note db &amp; cache back, errors &lt;1%").get().command == .note("db & cache back, errors <1%"))
        // A domain or an address Slack made a link of reads as typed, once.
        let linked = try CommandParser.parse("/incident declare <http://api.example.com|api.example.com> down, ask <mailto:ops@example.com|ops@example.com>").get()
        guard case .declare(let declaration) = linked.command else { throw ParseFailure("not a declaration") }
        #expect(declaration.title == "api.example.com down, ask ops@example.com")
        // A call link's `&`, as Slack sends it.
        #expect(try CommandParser.parse("/incident call <https://meet.example.com/x?a=1&amp;b=2>").get().command
                == .call(CallLink("https://meet.example.com/x?a=1&b=2")))
        // Other text in angle brackets is not Slack's markup, and stays as typed.
        #expect(try CommandParser.parse("/note <b>bold</b> a <b and c> @room").get().command == .note("<b>bold</b> a <b and c> @room"))
        #expect(try CommandParser.parse("/incident declare R&amp;D <https://x.example|wiki> down --sev P2").get().command
                == .declare(Declaration(title: "R&D wiki (https://x.example) down", severity: .p2)))
        #expect(try CommandParser.parse("/ic <@U0BOB0002|bob> handover: over to <@U0CAROL03|carol>").get().command
                == .handover(.slack(userID: "U0BOB0002", label: "bob"), note: "over to @carol"))
    }
}

struct ParseFailure: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
