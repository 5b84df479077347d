import Foundation
import IncidentApp
import IncidentTesting
import Testing

/// What an edited config would do to the incidents open in the database, said by
/// `check-config --db` before the restart, as `serve` says it as it starts.
@Suite struct ConfigDriftTests {
    /// alice is paged for a P1; the roster then renames her `aokafor` (same accounts). Her
    /// `/ack` would be refused as from someone never paged, and nothing said so: check-config
    /// said "ok".
    @Test func aRosterKeyOpenIncidentsNameIsSaidGoneBeforeTheRestart() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("open.sqlite").path
        let declared = try await BotProcess.run(["console", "--clock", "manual", "--start", "2026-11-24T10:00:00Z", "--config", BotProcess.config,
                                           "--db", db], input: "carol: /incident declare DB down --sev P1\n:quit\n")
        #expect(declared.status == 0, "\(declared.stderr)")
        let roster = try TestConfig.text("roster.example.yaml")
            .replacingOccurrences(of: "  alice:\n", with: "  aokafor:\n")
            .replacingOccurrences(of: "people: [alice]", with: "people: [aokafor]")
        let rosterPath = folder.appendingPathComponent("roster.yaml")
        try roster.write(to: rosterPath, atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try "policy: \(TestConfig.directory.path)/policy.yaml\nroster: \(rosterPath.path)\n".write(to: config, atomically: true, encoding: .utf8)
        let checked = try await BotProcess.run(["check-config", "--config", config.path, "--db", db])
        #expect(checked.status == 0)
        #expect(checked.stdout.contains("warning: open incidents INC-1 name @alice (paged), whom the roster no longer lists: "
            + "their /ack and their commands there are refused"), "\(checked.stdout)")
        // The same config with her key kept says nothing of the kind.
        let kept = try await BotProcess.run(["check-config", "--config", BotProcess.config, "--db", db])
        #expect(!kept.stdout.contains("no longer lists"), "\(kept.stdout)")
        #expect(!kept.stdout.contains("no database at"), "\(kept.stdout)")
        // A --db that is not there (a typo in its path) is said, not passed over in silence.
        let typo = folder.appendingPathComponent("opne.sqlite").path
        let missing = try await BotProcess.run(["check-config", "--config", BotProcess.config, "--db", typo])
        #expect(missing.stdout.contains("warning: no database at \(typo), so no open incident was checked; "
            + "serve would start an empty one there"), "\(missing.stdout)")
        #expect(!FileManager.default.fileExists(atPath: typo))
    }
}
