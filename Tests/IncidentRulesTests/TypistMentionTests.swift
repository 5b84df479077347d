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

    /// Someone on the roster called `me` is theirs to name.
    @Test func aRosterPersonOfThatNameIsNamed() throws {
        let yaml = try Fixtures.text("roster.example.yaml").replacingOccurrences(of: "people:\n", with: "people:\n  me:\n    name: Mel\n    slack: U0MEL0001\n")
        let roster = try Roster.load(yaml: yaml, file: "roster.yaml", policy: Fixtures.policy())
        var drill = try Drill("/incident declare Checkout errors --sev P1", roster: roster)
        try drill.type("/ic me", by: "alice")
        #expect(drill.incident.commander == "me")
    }
}
