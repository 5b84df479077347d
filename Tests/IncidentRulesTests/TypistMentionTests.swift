import Foundation
import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// `/ic me` names whoever typed it: the bot's own words said "take it with /ic @you", and a
/// responder who typed that was told "I don't know @you".
@Suite struct TypistMentionTests {
    @Test(arguments: ["/ic me", "/ic @me", "/ic @you", "/ic Myself"])
    func theTypistTakesTheIncident(typed: String) throws {
        var drill = try Drill("/incident declare Checkout errors --sev P1")
        try drill.run(to: 6)
        try drill.type(typed, by: "bob")
        #expect(drill.incident.commander == "bob")
    }

    @Test func aRoleAndAnActionItemNameTheTypistToo() throws {
        var drill = try Drill("/incident declare Checkout errors --sev P1")
        try drill.type("/ic @carol", by: "alice")
        try drill.type("/role scribe me", by: "carol")
        #expect(drill.incident.roles[.scribe] == "carol")
        try drill.type("/action @me Add an alert on queue depth", by: "carol")
        #expect(drill.incident.actions?.last?.owner == "carol")
    }

    /// `me` is whoever types it, even beside someone the roster keys `me`: the kickoff's own
    /// advice made that person IC, and "@me is now the incident commander" read as the typist.
    /// They are named by their chat account.
    @Test func meIsTheTypistEvenBesideARosterPersonKeyedMe() throws {
        let yaml = try Fixtures.text("roster.example.yaml").replacingOccurrences(of: "people:\n", with: "people:\n  me:\n    name: Mel\n    slack: U0MEL0001\n")
        let roster = try Roster.load(yaml: yaml, file: "roster.yaml", policy: Fixtures.policy())
        var drill = try Drill("/incident declare Checkout errors --sev P1", roster: roster)
        try drill.type("/ic me", by: "alice")
        #expect(drill.incident.commander == "alice")
        try drill.type("/ic <@U0MEL0001>", by: "alice")
        #expect(drill.incident.commander == "me")
    }

    /// An item whose owner comes later is shown the owner first, `@me` as typed.
    @Test func anOwnerTypedLaterIsShownFirst() throws {
        var drill = try Drill("/incident declare Checkout errors --sev P1")
        try drill.type("/ic @carol", by: "alice")
        let refused = #expect(throws: IncidentError.self) { try drill.type("/action fix the alert @me", by: "carol") }
        #expect(refused?.description == "I don't know @fix; the owner comes first, as in /action @me fix the alert.")
    }

    @Test func theIncidentCommanderIsNeverLeftEmpty() throws {
        var drill = try Drill("/incident declare Checkout errors --sev P1")
        try drill.type("/ic @carol", by: "alice")
        for typed in ["/ic none", "/role ic off", "/ic nobody"] {
            #expect(throws: (any Error).self, "\(typed)") { try drill.type(typed, by: "carol") }
        }
        #expect(drill.incident.commander == "carol")
    }
}
