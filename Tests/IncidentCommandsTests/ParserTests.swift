import IncidentCommands
import IncidentCore
import Testing

@Suite struct ParserTests {
    func parsed(_ text: String) -> ParsedCommand? {
        try? CommandParser.parse(text).get()
    }

    func error(_ text: String) -> CommandError? {
        if case .failure(let error) = CommandParser.parse(text) { return error }
        return nil
    }

    @Test(arguments: [
        ("/incident declare DB down", "declare title=\"DB down\""),
        ("/incident status", "status"), ("/incident list", "list"), ("/incident mitigated", "mitigated"),
        ("/incident resolve", "resolve"), ("/incident close", "close"), ("/incident postmortem", "postmortem"),
        ("/incident escalation", "escalation"), ("/incident help", "help"), ("/sev P1", "sev P1"),
        ("/ic @a", "ic @a"), ("/role lead @a", "role lead @a"), ("/update x", "update text=\"x\""),
        ("/ack", "ack"), ("/note x", "note text=\"x\""),
        // Every command also as an /incident subcommand, for Slack apps that register only /incident.
        ("/incident sev P2", "sev P2"), ("/incident ic @a", "ic @a"), ("/incident role scribe @a", "role scribe @a"),
        ("/incident update x", "update text=\"x\""), ("/incident ack", "ack"), ("/incident note x", "note text=\"x\""),
        ("/inc list", "list"),
    ])
    func parsesEveryCommand(text: String, summary: String) {
        #expect(parsed(text)?.summary == summary)
        let bang = "!" + text.dropFirst()
        #expect(parsed(bang)?.summary == summary, "\(bang)")
    }

    /// Pasted text brings invisible characters: `!ack` after a zero-width space was no command
    /// at all, and nothing answered it. Inside a word they are dropped, not taken for spaces:
    /// `--pri`, zero-width space, `vate` is still `--private`, not title words and a public
    /// incident.
    @Test(arguments: ["\u{200B}!ack", "\u{FEFF}/ack", "\u{2060} !ack", "!ack\u{200B}", "!a\u{200B}ck"])
    func invisibleSpacesBeforeACommandLeaveItOne(text: String) {
        #expect(parsed(text)?.summary == "ack", "\(text.unicodeScalars.map(\.value))")
    }

    @Test func anInvisibleSpaceInsideAnOptionLeavesItTheOption() {
        #expect(parsed("/incident declare PII exposed --pri\u{200B}vate")?.command == .declare(Declaration(title: "PII exposed", isPrivate: true)))
        #expect(parsed("/incident declare PII exposed -pri\u{2060}vate")?.command == .declare(Declaration(title: "PII exposed", isPrivate: true)))
    }

    /// A word meant as a reference that names no incident is refused, never read as text: in
    /// INC-1's room, `/incident resolve INC-0: dup` read as text resolved INC-1.
    @Test func aReferenceBeforeTheTextIsTakenOrRefused() {
        #expect(parsed("/incident resolve INC-2: duplicate of INC-1")?.target == .number(2))
        #expect(parsed("/incident resolve INC-2: duplicate of INC-1")?.command == .resolve(summary: "duplicate of INC-1"))
        #expect(parsed("/update INC-2, rolled back")?.target == .number(2))
        #expect(parsed("/note #incident-20261122-db: looked")?.target == .room("incident-20261122-db"))
        for typed in ["/incident resolve INC-0 dup", "/update INC-1x rolled back", "/note INC-99999999999999999999 x",
                      "/incident status INC--1", "/ack INC-00", "/action INC-0 @bob fix it", "/incident resolve <#C0123ABC|> dup"] {
            #expect(error(typed)?.kind == .invalidArgument, "\(typed)")
        }
        #expect(error("/incident status INC-0")?.description.contains("not an incident number") == true)
        // A possessive is text: in INC-3's room this notes on INC-3, as meant.
        #expect(parsed("/note INC-2's rollback fixed this too")?.target == nil)
        // Text that only starts like a room name stays text.
        #expect(parsed("/incident resolve incident-free since 10:40")?.target == nil)
        #expect(parsed("/incident resolve incident-free since 10:40")?.command == .resolve(summary: "incident-free since 10:40"))
    }

    @Test func keepsFreeTextAsTyped() {
        let note = "/note  first line\n  second “quoted” line\twith tab  "
        #expect(parsed(note)?.command == .note("first line\n  second “quoted” line\twith tab"))
        let update = "/update Rolled back.\nStatus: monitoring\nimpact: none\nnext: watch\neta: 10m"
        #expect(parsed(update)?.command == .update(StatusUpdate(text: "Rolled back.", status: "monitoring",
                                                                 impact: "none", next: "watch", eta: "10m")))
    }

    @Test func fieldLabelsCountOnlyAtTheStartOfAWord() {
        #expect(parsed("/update restatus: ok")?.command == .update(StatusUpdate(text: "restatus: ok")))
    }

    @Test func dropsControlCharactersFromText() {
        #expect(parsed("/note a\u{0}b\u{7}c\u{1B}[31m")?.command == .note("a b c [31m"))
        #expect(parsed("/incident declare DB\u{0}down")?.command == .declare(Declaration(title: "DB down")))
    }

    /// Text of nothing but control or invisible characters is no text: refused with the
    /// command's reason, not recorded as an empty note or declared as an untitled incident.
    /// Characters that only disguise text (a right-to-left override) are dropped.
    @Test func invisibleTextIsNoText() {
        #expect(error("/note \u{7}")?.kind == .missingArgument)
        #expect(error("/update \u{1B}")?.kind == .missingArgument)
        #expect(error("/incident declare \u{200B}")?.kind == .missingArgument)
        #expect(error("/incident declare \u{FEFF}\u{2060} --sev P0")?.kind == .missingArgument)
        #expect(parsed("/note rollback \u{202E}enod")?.command == .note("rollback enod"))
        // A field with nothing to see is empty, though the line around it has words: a status of
        // a lone joiner blanked the topic's status (found by an audit).
        #expect(error("/update looking status: \u{200D}")?.kind == .missingArgument)
        #expect(error("/update eta: \u{0301}")?.kind == .missingArgument)
        // A line separator is a line break: left as it was, Slack drew the rest of a note as a
        // line of the bot's own, unquoted ("✅ INC-2 is resolved").
        #expect(parsed("/note line one\u{2028}✅ INC-2 is resolved")?.command == .note("line one\n✅ INC-2 is resolved"))
        #expect(parsed("/note 👩\u{200D}💻 on it")?.command == .note("👩\u{200D}💻 on it"))
        #expect(error("/incident declare \u{3164}")?.kind == .missingArgument)
        // Direction marks and combining marks alone show nothing either: an invisible title
        // declared an incident and paged.
        #expect(error("/incident declare \u{200E}\u{200F} --sev P3")?.kind == .missingArgument)
        #expect(error("/incident declare \u{061C}")?.kind == .missingArgument)
        #expect(error("/note \u{FFF9}\u{FFFA}\u{FFFB}")?.kind == .missingArgument)
        #expect(error("/note \u{0301}\u{20DD}")?.kind == .missingArgument)
        #expect(parsed("/note \u{200F}שלום")?.command == .note("\u{200F}שלום"), "a mark beside words is kept")
    }

    @Test func apostrophesAndStrayQuotesDoNotSwallowTheLine() {
        #expect(parsed("/incident declare can't login --sev P1")?.command
                == .declare(Declaration(title: "can't login", severity: .p1)))
        #expect(parsed("/incident declare \"unclosed title --sev P1")?.command
                == .declare(Declaration(title: "\"unclosed title", severity: .p1)))
        #expect(parsed("/incident declare “smart quotes” --sev P2")?.command
                == .declare(Declaration(title: "smart quotes", severity: .p2)))
        #expect(parsed("/incident declare \"--sev P1\"")?.command == .declare(Declaration(title: "--sev P1")))
    }

    /// A phone or a Mac turns `--` into an em or en dash as it is typed. `—sev P0` is still the
    /// severity: read as title words it declared a P2, which pages nobody at night.
    @Test func anOptionTypedWithADashOfAnyKindIsStillTheOption() {
        for dash in ["—", "–", "−", "-", "‐"] {
            #expect(parsed("/incident declare checkout down \(dash)sev P0")?.command
                    == .declare(Declaration(title: "checkout down", severity: .p0)), "\(dash)")
        }
        for dash in ["—", "–", "−", "‐"] {
            #expect(parsed("/incident declare checkout down \(dash)sev=P1 \(dash)ic @alice \(dash)private")?.command
                    == .declare(Declaration(title: "checkout down", severity: .p1, commander: .handle("alice"), isPrivate: true)), "\(dash)")
        }
        // One ASCII hyphen marks --sev, and --private: "PII exposed -private" read as a title
        // would announce it; a title that says "-private repos" errs on the private side.
        #expect(parsed("/incident declare Customer PII exposed -private --sev P1")?.command
                == .declare(Declaration(title: "Customer PII exposed", severity: .p1, isPrivate: true)))
        #expect(parsed("/incident declare Outage -private repos")?.command == .declare(Declaration(title: "Outage repos", isPrivate: true)))
        #expect(parsed("/incident declare Outage after -force push")?.command == .declare(Declaration(title: "Outage after -force push")))
        #expect(parsed("/incident close —force tracked in JIRA-1")?.command == .forceClose(reason: "tracked in JIRA-1"))
        // A dash before a word that is no option is the title's.
        #expect(parsed("/incident declare checkout — payments —down")?.command
                == .declare(Declaration(title: "checkout — payments —down")))
        #expect(error("/incident declare x —sev P9")?.position == 25)
        #expect(error("/incident declare x —sev=P9")?.position == 25)
    }

    /// A phone puts a space after the dash it made (`db down – private`), and a CJK keyboard
    /// types full-width hyphens (`－－private`). Read as title words, either declared a public
    /// incident and announced its title to the broadcast channel.
    @Test func anOptionWhoseDashStandsApartOrIsFullWidthIsStillTheOption() {
        for dash in ["–", "—", "--", "－－", "﹣﹣", "-"] {
            #expect(parsed("/incident declare Customer PII exposed \(dash) private")?.command
                    == .declare(Declaration(title: "Customer PII exposed", isPrivate: true)), "\(dash)")
        }
        for dash in ["－－", "﹣", "⸺"] {
            #expect(parsed("/incident declare Customer PII exposed \(dash)private \(dash)sev P1")?.command
                    == .declare(Declaration(title: "Customer PII exposed", severity: .p1, isPrivate: true)), "\(dash)")
        }
        #expect(parsed("/incident declare checkout down — sev P0 — ic @alice")?.command
                == .declare(Declaration(title: "checkout down", severity: .p0, commander: .handle("alice"))))
        #expect(parsed("/incident declare checkout down -- sev=P1")?.command
                == .declare(Declaration(title: "checkout down", severity: .p1)))
        #expect(error("/incident declare x －－sev P9")?.position == 26, "the value's place, after the full-width dashes")
        #expect(parsed("/incident declare x – sev=P9")?.command == .declare(Declaration(title: "x – sev=P9")), "no severity: a title's words")
        #expect(parsed("/incident close – force tracked in JIRA-1")?.command == .forceClose(reason: "tracked in JIRA-1"))
        // A lone hyphen before another option, or any dash before a word that is none, is the title's;
        // so is a dash setting words apart in a title, before an option's name that does not read as one there.
        #expect(parsed("/incident declare Pager - sev labels wrong")?.command
                == .declare(Declaration(title: "Pager - sev labels wrong")))
        for title in ["GitHub - private repos unreachable", "VPN – private link flapping", "Pager – sev labels wrong",
                      "Handover — ic rotation broken"] {
            #expect(parsed("/incident declare \(title)")?.command == .declare(Declaration(title: title)), "\(title)")
        }
        #expect(parsed("/incident declare db down - private --sev P1")?.command
                == .declare(Declaration(title: "db down", severity: .p1, isPrivate: true)))
        // Private was meant, and a title read as words is announced: a severity label after it,
        // a phone's full stop, a word of marks, or a label in the title's own words.
        for line in ["PII exposed – private sev:P0", "PII exposed – private [P0]", "PII exposed -private.", "PII exposed – private ?",
                     "PII exposed – private.", "PII exposed —private!", "[private] PII exposed sev:P0", "private: PII exposed [P0]",
                     "PII exposed (private) sev: P0", "PII exposed --private. sev:P0"] {
            let declared = parsed("/incident declare \(line)")?.command
            guard case .declare(let declaration) = declared else { Issue.record("\(line): \(String(describing: declared))"); continue }
            #expect(declaration.isPrivate && declaration.title.hasPrefix("PII exposed"), "\(line): \(declaration)")
        }
        // A label run into a word, stacked on another, or in a phone's brackets is the label too:
        // each of these was declared public and its title announced.
        let run: [(String, String, Severity?)] = [
            ("[P1][private] Customer data exposed", "Customer data exposed", .p1), ("[SEC][private] Customer data exposed", "[SEC] Customer data exposed", nil),
            ("PII leak[private]", "PII leak", nil), ("PII leak(private)", "PII leak", nil), ("(private)PII leak", "PII leak", nil),
            ("🚨[private] PII leak", "🚨 PII leak", nil), ("*[private]* PII leak", "PII leak", nil), ("PII leak [private]/[sec]", "PII leak [sec]", nil),
            ("PII leak （private）", "PII leak", nil), ("PII leak ［private］", "PII leak", nil), ("【private】PII leak", "PII leak", nil),
            ("PII leak [ private ]", "PII leak", nil), ("[PRIVATE] PII leak", "PII leak", nil),
        ]
        for (line, title, severity) in run {
            #expect(parsed("/incident declare \(line)")?.command == .declare(Declaration(title: title, severity: severity, isPrivate: true)), "\(line)")
        }
        // An invisible character in the option (a soft hyphen, a zero-width space) does not
        // make it a title word: chat shows `--private`, and the title was announced.
        for line in ["PII leak --pri\u{AD}vate", "PII leak --private\u{200B}", "PII leak \u{200B}--private", "PII leak –\u{AD} private"] {
            #expect(parsed("/incident declare \(line)")?.command == .declare(Declaration(title: "PII leak", isPrivate: true)), "\(line.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(error("/incident declare PII leak --private=yes")?.description.hasPrefix("--private takes no value; write --private alone.") == true)
        // Quoted, or a word that only holds the letters, it stays the title's.
        #expect(parsed("/incident declare \"[private]\" bucket policy")?.command == .declare(Declaration(title: "[private] bucket policy")))
        #expect(parsed("/incident declare privateer service down")?.command == .declare(Declaration(title: "privateer service down")))
        #expect(parsed("/incident declare checkout -- the payments side")?.command
                == .declare(Declaration(title: "checkout -- the payments side")))
        #expect(parsed("/incident declare checkout down —")?.command == .declare(Declaration(title: "checkout down —")))
        #expect(parsed("/incident declare x – \"private\"")?.command == .declare(Declaration(title: "x – private")))
    }

    /// A severity written into the title as tickets and chat write one is the severity: each
    /// of these declared a P2, which on a Saturday night pages nobody until Monday.
    @Test func aSeverityWrittenIntoTheTitleIsTheSeverity() {
        for line in ["[P0] checkout down", "(SEV0) checkout down", "P0: checkout down", "SEV-0 checkout down", "P0 checkout down", "*P0* checkout down", "P0, checkout down", "P0- checkout down",
                     "［P0］ checkout down", "`P0` checkout down",
                     "P0 - checkout down", "Sev0 – checkout down", "Sev 0 checkout down", "severity 0: checkout down",
                     "checkout down sev:P0", "checkout down sev: P0", "checkout down severity = P0", "checkout down sev=0",
                     "checkout down severity=sev-0", "checkout down -s P0", "checkout down --s=P0", "[p0] checkout down --sev P0",
                     // A severity's word behind a `sev` label the title opens with is one, as `/sev critical` is.
                     "Sev: critical checkout down", "severity=critical checkout down", "Severity = Critical checkout down",
                     "sev:s0 checkout down", "Sev: critical, checkout down", "Sev: CRITICAL! checkout down"] {
            #expect(parsed("/incident declare \(line)")?.command == .declare(Declaration(title: "checkout down", severity: .p0)), "\(line)")
        }
        // Words, a code past the first word (a passing mention), or quoted: the title's.
        for title in ["[low] disk space on db-3", "checkout P0 down", "checkout P1: down", "Re: checkout down", "[JIRA-42] checkout down",
                      "[S3] bucket made public", "Checkout fully down, not a (P3)", "Login (P0) runbook link is broken", "Pipeline p3.2xlarge full",
                      "p99 latency over 2s", "(p99) latency over 2s", "P95: 3s", "p3 instances out of capacity", "SEV5 drill", "private API keys rotated"] {
            #expect(parsed("/incident declare \(title)")?.command == .declare(Declaration(title: title)), "\(title)")
        }
        #expect(parsed("/incident declare \"[P0]\" drill")?.command == .declare(Declaration(title: "[P0] drill")))
        #expect(parsed("/incident declare 🚨 P0 checkout down")?.command == .declare(Declaration(title: "🚨 checkout down", severity: .p0)))
        // Two that disagree are refused, not one picked; so is a code that names no severity.
        #expect(error("/incident declare [P0] checkout down --sev P2")?.description.hasPrefix("“[P0]” and --sev P2 name two severities; give one.") == true)
        #expect(error("/incident declare [P0] checkout down sev:P1")?.kind == .invalidArgument)
        #expect(error("/incident declare [P4] checkout down")?.description.hasPrefix("“[P4]” is not a severity; use P0, P1, P2 or P3.") == true)
        #expect(error("/incident declare [P0]")?.kind == .missingArgument)
        #expect(parsed("/incident declare 🚨 SEV: CRITICAL checkout down")?.command == .declare(Declaration(title: "🚨 checkout down", severity: .p0)))
        // In the middle of a title a severity's word behind a label is about something else (an
        // alert's setting): read, it paged the VP at once, or refused a declaration with --sev.
        for title in ["Lower alert severity: critical to warning for disk", "Alerts with severity=critical are not routed"] {
            #expect(parsed("/incident declare \(title)")?.command == .declare(Declaration(title: title)), "\(title)")
        }
        #expect(parsed("/incident declare Dashboards sev:low panel empty --sev P1")?.command
                == .declare(Declaration(title: "Dashboards sev:low panel empty", severity: .p1)))
        // --sev reads what /sev reads: the number alone, and a phone's punctuation after it.
        for value in ["0", "P0.", "P0,", "[P0]"] {
            #expect(parsed("/incident declare checkout down --sev \(value)")?.command == .declare(Declaration(title: "checkout down", severity: .p0)),
                    "\(value)")
        }
        #expect(error("/incident declare checkout down --sev 9")?.description.hasPrefix("“9” is not a severity") == true)
    }

    @Test func mentionsBecomeOnePersonReference() {
        #expect(parsed("/ic <@U0123ABC|alice>")?.command == .commander(.slack(userID: "U0123ABC", label: "alice")))
        #expect(parsed("/ic @alice:example.org")?.command == .commander(.matrix(userID: "@alice:example.org")))
        #expect(parsed("/ic @alice,")?.command == .commander(.handle("alice")))
        #expect(parsed("/ic @bob:matrix.example.org:8448")?.command == .commander(.matrix(userID: "@bob:matrix.example.org:8448")))
        #expect(error("/ic @Alice:example.org")?.kind == .invalidArgument)
        // A control character is a space, after the command word as in its text.
        #expect(parsed("/ic\u{0}@bob")?.command == .commander(.handle("bob")))
        #expect(parsed("/ic\u{1B}@bob\u{85}")?.command == .commander(.handle("bob")))
        #expect(parsed("/ic\u{90}@bob")?.command == .commander(.handle("bob")))
        // Read as seen: a zero-width space or a soft hyphen inside the handle is no part of it.
        #expect(parsed("/ic @b\u{200B}ob")?.command == .commander(.handle("bob")))
        #expect(parsed("/ic <@U0B\u{00AD}OB>")?.command == .commander(.slack(userID: "U0BOB", label: nil)))
    }

    /// An action item is due on a day: `6m` (six minutes, or months meant) made it due today,
    /// its owner told at once and the item overdue by morning. Days, weeks and hours are taken.
    @Test func anActionItemIsDueOnADayNotInMinutesOrHours() {
        for due in ["6m", "90m", "1h30m", "30s"] {
            #expect(error("/action @bob Add an alert due: \(due)")?.description.hasPrefix(
                "“\(due)” is not a due day (an item is due on a day: days, weeks or hours, not minutes); write 2026-12-05, 3d, 2w, today or tomorrow.") == true,
                    "\(due): \(String(describing: error("/action @bob Add an alert due: \(due)")))")
        }
        // Two due days are refused, not the first left in the text; a `due:` that names no day is text.
        #expect(error("/action @bob Fix it due: 2026-12-01 due: 3d")?.description.hasPrefix("“2026-12-01” and “3d” are two due days; give one.") == true)
        guard case .action(let text)? = parsed("/action @bob Fix the due: field parser due: 3d")?.command else {
            Issue.record("a due: in the text was refused")
            return
        }
        #expect(text.text == "Fix the due: field parser" && text.due == .after(.days(3)))
        for due in ["3d", "2w", "48h", "5h", "1d12h", "today", "tomorrow", "2026-12-05"] {
            guard case .action(let request)? = parsed("/action @bob Add an alert due: \(due)")?.command else {
                Issue.record("\(due) was refused")
                continue
            }
            #expect(request.due != nil, "\(due)")
        }
    }
}
