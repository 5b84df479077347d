import IncidentCore
import Testing

@Suite struct VocabularyTests {
    @Test(arguments: [
        ("P0", Severity.p0), ("p1", .p1), ("sev1", .p1), ("SEV-1", .p1), ("Sev_2", .p2), ("S3", .p3),
        ("P-0", .p0), ("critical", .p0), ("CRITICAL", .p0), ("high", .p1), ("major", .p1), ("medium", .p2),
        ("moderate", .p2), ("low", .p3), ("minor", .p3),
    ])
    func readsSeverityAliases(text: String, severity: Severity) {
        #expect(Severity(parsing: text) == severity)
    }

    @Test(arguments: ["", "P4", "sev", "p", "sev10", "P01", "urgent", "P 1", "sev--1", "ｐ１"])
    func refusesUnknownSeverities(text: String) {
        #expect(Severity(parsing: text) == nil)
    }

    @Test func severityOrderIsUrgency() {
        #expect(Severity.p0.isMoreSevere(than: .p1))
        #expect(!Severity.p3.isMoreSevere(than: .p2))
        #expect(!Severity.p1.isMoreSevere(than: .p1))
    }

    @Test(arguments: [
        ("INC-42", IncidentRef.number(42)), ("inc-7", .number(7)),
        ("#incident-20261122-db-outage", .room("incident-20261122-db-outage")),
        ("<#C0123ABC|incident-20261122-db>", .room("incident-20261122-db")),
        ("#incident-20261122-db:example.org", .room("incident-20261122-db")),
    ])
    func readsIncidentReferences(text: String, ref: IncidentRef) {
        #expect(IncidentRef(parsing: text) == ref)
    }

    @Test(arguments: ["INC-", "INC-0", "INC-x", "#ops", "#incident_x", "incident"])
    func refusesWhatIsNotAnIncident(text: String) {
        #expect(IncidentRef(parsing: text) == nil)
    }

    /// A Matrix account may be named @here or @channel by whoever made it: shown as it is, on
    /// Slack's side of a mirror it read as a broadcast mention in every post naming them.
    @Test func anAccountsNameCannotPingTheWholeRoom() {
        #expect(PersonID.unlisted(.matrix, "@here:localhost").handle == "@\u{2060}here:localhost")
        #expect(PersonID.unlisted(.matrix, "@channel:example.org").handle == "@\u{2060}channel:example.org")
        #expect(PersonID.unlisted(.matrix, "@alice:example.org").handle == "@alice:example.org")
        #expect(PersonID.unlisted(.slack, "U0123").handle == "@U0123")
    }

    /// A reference typed before the rest of the line keeps its punctuation (`INC-2: duplicate`),
    /// and a bare room name counts only with the day's date in it.
    @Test(arguments: [
        ("INC-2:", IncidentRef.Reading.ref(.number(2))), ("inc-2,", .ref(.number(2))), ("INC-2.", .ref(.number(2))),
        ("#incident-20261122-db;", .ref(.room("incident-20261122-db"))),
        ("incident-20261122-db-outage", .ref(.room("incident-20261122-db-outage"))),
        ("incident-20261122", .ref(.room("incident-20261122"))),
        ("INC-0", .malformed(.number)), ("INC-00", .malformed(.number)), ("INC--1", .malformed(.number)),
        ("INC-1x", .malformed(.number)), ("INC-", .malformed(.number)), ("INC-99999999999999999999", .malformed(.number)),
        ("INC-1000000000", .malformed(.number)), ("INC-１", .malformed(.number)),
        ("https://matrix.to/#/#incident-20261122-db:example.org", .ref(.room("incident-20261122-db"))),
        ("https://matrix.to/#/%23incident-20261122-db%3Aexample.org", .ref(.room("incident-20261122-db"))),
        // A number followed by other punctuation starts the text, as a possessive does.
        ("INC-2's", .notAReference), ("INC-2’s", .notAReference), ("INC-2)", .notAReference),
        ("INC-2!", .malformed(.number)), ("INC-2-", .malformed(.number)), ("INC-2?", .malformed(.number)),
        ("#incident-DB_down", .notAReference), ("#incident-20261122-db's", .notAReference),
        ("<#C1|incident-x!>", .malformed(.unnamedChannel)), ("<#C1|db-war-room>", .malformed(.unnamedChannel)),
        ("incident-free", .notAReference), ("incident-2026", .notAReference), ("incident-20261122x", .notAReference),
        ("<#C0123ABC|>", .malformed(.unnamedChannel)), ("<#C0123ABC>", .malformed(.unnamedChannel)),
        ("#general", .notAReference), ("rolled", .notAReference), ("incidents", .notAReference),
        // In brackets, quotes or markup, or the number run into the letters or alone: meant as one.
        ("[INC-1]", .malformed(.marked)), ("*INC-1*", .malformed(.marked)), ("`inc-1`", .malformed(.marked)), ("(INC-1):", .malformed(.marked)),
        ("“INC-1”", .malformed(.marked)), ("_INC-0_", .malformed(.marked)), ("[#incident-20261122-db]", .malformed(.marked)),
        ("INC1", .malformed(.number)), ("#1", .malformed(.number)), ("INC", .malformed(.number)),
        ("[P1]", .notAReference), ("*urgent*", .notAReference), ("(see", .notAReference), ("<@U0123>", .notAReference),
        ("include", .notAReference), ("#", .notAReference), ("[]", .notAReference),
    ])
    func readsAWordMeantAsAReference(text: String, reading: IncidentRef.Reading) {
        #expect(IncidentRef.read(text) == reading)
    }

    @Test(arguments: [
        ("ping @channel now", "ping @\u{2060}channel now"),
        ("@here @HERE @Room @everyone", "@\u{2060}here @\u{2060}HERE @\u{2060}Room @\u{2060}everyone"),
        ("mail alice@example.org and @alice", "mail alice@example.org and @alice"),
        ("trailing @", "trailing @"),
        ("@@channel", "@@\u{2060}channel"),
        ("\u{0600}@channel", "\u{0600}@\u{2060}channel"),
        ("x\u{0301}@Room", "x\u{0301}@\u{2060}Room"),
        // A mark after the word's last letter makes one character of the two.
        ("@room\u{200D}", "@\u{2060}room\u{200D}"),
        ("@here\u{0301} now", "@\u{2060}here\u{0301} now"),
        ("@channel\u{FE0F}", "@\u{2060}channel\u{FE0F}"),
    ])
    func userTextCannotPingEveryone(text: String, shown: String) {
        #expect(BroadcastMentions.neutralize(text) == shown)
        #expect(Message(.userText(text)).plainText() == shown)
    }

    @Test func messagesListTheirMentionsOnce() {
        var message = Message(.mention("alice"), .text(" and "), .mention("bob"))
        message.line(.mention("alice"))
        #expect(message.mentions == ["alice", "bob"])
        #expect(message.plainText() == "@alice and @bob\n@alice")
    }

    @Test func unlistedPeopleAreNamedByPlatform() {
        #expect(PersonID.unlisted(.slack, "U0123").rawValue == "slack:U0123")
        #expect(PersonID.unlisted(.matrix, "@a:b.org").rawValue == "matrix:@a:b.org")
    }
}
