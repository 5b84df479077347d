import Foundation
import IncidentTesting
import Testing

/// `incident-bot console --clock manual` driven as a subprocess with a scripted drill.
@Suite struct ConsoleTranscriptTests {
    static let room = "#incident-20261124-database-outage"

    static let drill = """
        # A P1 declared by the engineering manager; nobody on call answers for a while.
        carol: /incident declare Database outage --sev P1
        [\(room)] carol: /incident call https://meet.example.com/db-war-room
        :advance 31m
        [\(room)] carol: /update Rolled back the 09:50 deploy status: recovering eta: 11:00
        [\(room)] carol: /sev P0 checkout is failing too
        [\(room)] bob: /ack
        :advance 30m
        [\(room)] carol: /incident resolve rollback fixed it
        [\(room)] carol: /action @bob Alert on replication lag due: 2d
        :now
        :rooms
        zed: /ack
        [broken room carol: /ack
        :advance forever
        carol: /update INC-9 nothing here
        :quit
        alice: /note never read: the session ended
        """

    @Test func aDrillPrintsEveryMessageWithItsDestination() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("drill.sqlite").path
        let result = try await BotProcess.run(["console", "--clock", "manual", "--start", "2026-11-24T10:00:00Z",
                                         "--config", BotProcess.config, "--db", db], input: Self.drill)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.lines.filter { !$0.isEmpty }
        for line in lines {
            #expect(line.hasPrefix("[") || line.hasPrefix("  "), "not a console line: \(line)")
        }
        func index(_ prefix: String) -> Int? { lines.firstIndex { $0.hasPrefix(prefix) } }
        let expectedInOrder = [
            "[#incidents] incident-bot to @carol: Declared INC-1 (P1): \(Self.room)",
            "[\(Self.room)] incident-bot: created \(Self.room) and invited @carol",
            "[\(Self.room)] topic: SEV P1 | IC unassigned | status: investigating | next update 10:30 UTC | call: https://meet.example.com/incident-1",
            // Pages go out ahead of the room's posts.
            "[dm @alice] incident-bot: 🔔 INC-1 (P1): Database outage",
            "[dm @erin] incident-bot: 🔔 INC-1 (P1): Database outage",
            "[#incidents] incident-bot: 🚨 INC-1 declared (P1): Database outage",
            "[\(Self.room)] incident-bot: 🚨 INC-1: Database outage",
            "[\(Self.room)] incident-bot: 📞 Call for INC-1: https://meet.example.com/db-war-room (set by @carol)",
            // The P1's 30-minute target to acknowledge (the plans' response time): warned at 10:24.
            "[clock] 2026-11-24 10:24 UTC",
            "[\(Self.room)] incident-bot: ⏳ INC-1: the P1 target to acknowledge (30m) runs out at 10:30 UTC, 6m from now.",
            // P1: the team lead 30 minutes after the on-call, with the first overdue-update nudge.
            "[clock] 2026-11-24 10:30 UTC",
            "[dm @bob] incident-bot: 🔔 INC-1 (P1): Database outage",
            "[\(Self.room)] incident-bot: ⏰",
            // The target is missed the second after 10:30 (an answer in the deadline's own
            // second meets it).
            "[clock] 2026-11-24 10:30:01 UTC",
            "[\(Self.room)] incident-bot: ⌛ INC-1 missed its P1 target to acknowledge (30m, due 10:30 UTC).",
            "[clock] 2026-11-24 10:31 UTC",
            "[\(Self.room)] incident-bot to @carol: Update posted",
            "[\(Self.room)] incident-bot to @carol: INC-1 is now P0.",
            "[dm @dave] incident-bot: 🔔 INC-1 (P0): Database outage",
            "[\(Self.room)] incident-bot to @bob: Acknowledged INC-1; the engineering ladder has stopped.",
            // The P0's 15-minute update is overdue at 10:46.
            "[clock] 2026-11-24 10:46 UTC",
            "[\(Self.room)] incident-bot: ⏰",
            "[clock] 2026-11-24 11:01 UTC",
            "[\(Self.room)] incident-bot to @carol: INC-1 is resolved.",
            "[\(Self.room)] incident-bot: 📌 A1 for @bob: Alert on replication lag · due 2026-11-26 (added by @carol)",
            "[clock] 2026-11-24 11:01 UTC",
            "[rooms] #incidents (the lobby)",
            "[rooms] \(Self.room) INC-1 P0 resolved",
            "[error] unknown user “zed”",
            "[error] the room has no closing ]",
            "[error] :advance takes one duration",
            "[#incidents] incident-bot to @carol: There is no INC-9",
        ]
        var last = -1
        for expected in expectedInOrder {
            guard let found = lines.indices.first(where: { $0 > last && lines[$0].hasPrefix(expected) }) else {
                Issue.record("missing after line \(last): \(expected)\n\(result.stdout)")
                return
            }
            last = found
        }
        // Nothing after :quit was read.
        #expect(!result.stdout.contains("never read"))

        let export = try await BotProcess.run(["export", "INC-1", "--format", "markdown", "--config", BotProcess.config, "--db", db])
        #expect(export.status == 0, "\(export.stderr)")
        for expected in ["# INC-1: Database outage", "| Phase | resolved |", "| Severity | P0 |", "## Roles", "## Pages",
                         "@dave | engineering.L4 | the severity pages this level at once", "# Post-mortem: INC-1", "| Time to acknowledge | 31m |",
                         "## Timeline", "Raised severity P1 → P0: checkout is failing too"] {
            #expect(export.stdout.contains(expected), "export lacks: \(expected)")
        }
    }

    @Test func exportOfAnUnknownIncidentFailsWithOneLine() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let db = folder.appendingPathComponent("empty.sqlite").path
        _ = try await BotProcess.run(["console", "--clock", "manual", "--start", "2026-11-24T10:00:00Z", "--config", BotProcess.config,
                                "--db", db], input: ":quit\n")
        let result = try await BotProcess.run(["export", "INC-3", "--config", BotProcess.config, "--db", db])
        #expect(result.status == 1)
        #expect(result.stderr == "incident-bot: there is no INC-3 in \(db)\n")
        let missing = try await BotProcess.run(["report", "--config", BotProcess.config, "--db", folder.appendingPathComponent("none.sqlite").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("incident-bot: no database at"))
    }

    @Test func serveWithNoPlatformEnabledRefusesAndSaysWhy() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try "policy: \(TestConfig.directory.path)/policy.yaml\nroster: \(TestConfig.directory.path)/roster.example.yaml\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let result = try await BotProcess.run(["serve", "--config", config.path, "--db", folder.appendingPathComponent("s.sqlite").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no chat platform is enabled"))
        #expect(result.stderr.contains("slack.enabled"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["incident-bot.yaml"])
    }

    /// A secret missing from the environment (here Twilio's token, paging enabled) is refused
    /// before the database is touched: no file is made beside it, no database is created or
    /// migrated (on PostgreSQL, under older replicas), no link secret is written.
    /// A config in `folder` with the shipped policy, the example roster and Slack enabled,
    /// then `more`.
    static func slackConfig(in folder: URL, more: String = "") throws -> URL {
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try """
            policy: \(TestConfig.directory.path)/policy.yaml
            roster: \(TestConfig.directory.path)/roster.example.yaml
            slack:
              enabled: true

            """.appending(more).write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    /// A PagerDuty routing key that is none (a placeholder, a key cut short) is refused at
    /// start, its value not shown, not found out at the first page.
    @Test func aRoutingKeyThatIsNoneIsRefusedAtStart() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let roster = folder.appendingPathComponent("roster.yaml")
        try String(contentsOf: TestConfig.directory.appendingPathComponent("roster.example.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "    slack: U0ALICE01", with: "    slack: U0ALICE01\n    pagerduty: PAGERDUTY_KEY_ALICE")
            .write(to: roster, atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try """
            policy: \(TestConfig.directory.path)/policy.yaml
            roster: \(roster.path)
            paging:
              pagerduty:
                enabled: true

            """.write(to: config, atomically: true, encoding: .utf8)
        let refused = try await BotProcess.run(["check-config", "--config", config.path], environment: ["PAGERDUTY_KEY_ALICE": "abc-secret"])
        let refusal = "warning: serve would refuse to start with this environment: PAGERDUTY_KEY_ALICE does not hold a PagerDuty "
            + "routing key (an integration key is 32 letters and digits; its value is not shown)"
        #expect(refused.stdout.contains(refusal), "\(refused.stdout)")
        #expect(!refused.stderr.contains("abc-secret") && !refused.stdout.contains("abc-secret"))
        let taken = try await BotProcess.run(["check-config", "--config", config.path], environment: ["PAGERDUTY_KEY_ALICE": "fedcba9876543210fedcba9876543210"])
        #expect(!taken.stdout.contains("PAGERDUTY_KEY_ALICE"), "\(taken.stdout)")
    }

    @Test func serveMissingASecretChangesNothing() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = try Self.slackConfig(in: folder, more: """
            http:
              public_url: https://incident-bot.example.org
            paging:
              twilio:
                enabled: true
                account_sid: AC00000000000000000000000000000001
                from: "+15550100000"

            """)
        let result = try await BotProcess.run(["serve", "--config", config.path, "--db", folder.appendingPathComponent("s.sqlite").path],
                                        environment: ["SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret"])
        #expect(result.status == 1)
        #expect(result.stderr == "incident-bot: paging.twilio is enabled but TWILIO_AUTH_TOKEN (or TWILIO_AUTH_TOKEN_FILE) is not set\n",
                "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["incident-bot.yaml"])
    }

    /// With `log_format: json` a refused start is logged as JSON before the plain last line, so
    /// a log pipeline reads why the service does not come up.
    @Test func aRefusedStartIsLoggedAsJSON() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = try Self.slackConfig(in: folder, more: "log_format: json\n")
        let result = try await BotProcess.run(["serve", "--config", config.path, "--db", folder.appendingPathComponent("s.sqlite").path],
                                        environment: ["SLACK_SIGNING_SECRET": "secret"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let reason = "slack.enabled is true but SLACK_BOT_TOKEN (or SLACK_BOT_TOKEN_FILE) is not set; see docs/slack-setup.md"
        #expect(lines.last == "incident-bot: \(reason)", "\(result.stderr)")
        let logged = try #require(lines.first { $0.hasPrefix("{") }.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] },
                                  "\(result.stderr)")
        #expect(logged["message"] as? String == "refused to start" && logged["reason"] as? String == reason && logged["level"] as? String == "error")
    }

    /// A roster or policy an edit broke (the likeliest refusal of all) is logged as JSON too:
    /// the config that says `log_format: json` was read before them.
    @Test func aBrokenRosterIsLoggedAsJSON() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let roster = folder.appendingPathComponent("roster.yaml")
        try "people:\n  alice: [\n".write(to: roster, atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try """
            log_format: json
            policy: \(TestConfig.directory.path)/policy.yaml
            roster: roster.yaml
            slack:
              enabled: true

            """.write(to: config, atomically: true, encoding: .utf8)
        let result = try await BotProcess.run(["serve", "--config", config.path, "--db", folder.appendingPathComponent("s.sqlite").path],
                                        environment: ["SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let last = try #require(lines.last)
        #expect(last.hasPrefix("incident-bot: \(roster.path):"), "\(result.stderr)")
        let logged = try #require(lines.first { $0.hasPrefix("{") }.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] },
                                  "\(result.stderr)")
        #expect(logged["message"] as? String == "refused to start" && "incident-bot: \(logged["reason"] as? String ?? "")" == last)
    }

    /// A token file with a second line held no token any provider issued; the HTTP client
    /// refused it in its header and the error, with the header's value, went to the log and
    /// `/readyz`. It is refused at start, without its value.
    @Test func aSecretWithALineBreakIsRefusedWithoutShowingIt() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = try Self.slackConfig(in: folder)
        let token = folder.appendingPathComponent("token")
        try "xoxb-FILESEKRIT\nsecond line\n".write(to: token, atomically: true, encoding: .utf8)
        let result = try await BotProcess.run(["serve", "--config", config.path, "--db", folder.appendingPathComponent("s.sqlite").path],
                                        environment: ["SLACK_BOT_TOKEN_FILE": token.path, "SLACK_SIGNING_SECRET": "secret"])
        #expect(result.status == 1)
        #expect(result.stderr == "incident-bot: SLACK_BOT_TOKEN_FILE \(token.path) holds a line break or another control character; "
            + "a secret is one line (its value is not shown)\n", "\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("SEKRIT"))
    }

    /// `check-config` is the check to run after every edit: a config `serve` would refuse (no
    /// roster) gets a warning there, and a `--log-level` that is no level is refused, as the
    /// config's `log_level` is, instead of logging at info.
    @Test func whatServeRefusesIsSaidBeforeItStarts() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try "policy: \(TestConfig.directory.path)/policy.yaml\n".write(to: config, atomically: true, encoding: .utf8)
        let checked = try await BotProcess.run(["check-config", "--config", config.path])
        #expect(checked.status == 0)
        #expect(checked.stdout.contains("warning: serve refuses to start without a roster: set roster: in \(config.path)"), "\(checked.stdout)")
        // A platform enabled without what it needs said "ok", then serve refused it.
        try "policy: \(TestConfig.directory.path)/policy.yaml\nmatrix:\n  enabled: true\n".write(to: config, atomically: true, encoding: .utf8)
        let matrix = try await BotProcess.run(["check-config", "--config", config.path], environment: ["MATRIX_HOMESERVER": ""])
        #expect(matrix.status == 0)
        #expect(matrix.stdout.contains("warning: serve would refuse to start with this environment: matrix.enabled is true but no "
            + "homeserver is set"), "\(matrix.stdout)")
        #expect(checked.stdout.contains("warning: serve would refuse to start with this environment: no chat platform is enabled"),
                "\(checked.stdout)")
        // The pagers' secrets, as serve checks them: each missing one is said, and nothing is
        // written (serve makes the link secret beside the database; check-config does not).
        try """
            policy: \(TestConfig.directory.path)/policy.yaml
            roster: \(TestConfig.directory.path)/roster.example.yaml
            matrix:
              enabled: true
              homeserver: http://127.0.0.1:1
            http:
              public_url: https://bot.example.org
            paging:
              twilio:
                enabled: true
                account_sid: AC0123456789abcdef0123456789abcdef
                from: "+15550100000"

            """.write(to: config, atomically: true, encoding: .utf8)
        let db = folder.appendingPathComponent("p.sqlite").path
        let pagers = try await BotProcess.run(["check-config", "--config", config.path, "--db", db],
                                        environment: ["MATRIX_ACCESS_TOKEN": "syt_x", "INCIDENT_BOT_LINK_SECRET": "short"])
        #expect(pagers.status == 0)
        #expect(pagers.stdout.contains("warning: serve would refuse to start with this environment: paging.twilio is enabled but "
            + "TWILIO_AUTH_TOKEN (or TWILIO_AUTH_TOKEN_FILE) is not set"), "\(pagers.stdout)")
        let link = try await BotProcess.run(["check-config", "--config", config.path, "--db", db],
                                      environment: ["MATRIX_ACCESS_TOKEN": "syt_x", "INCIDENT_BOT_LINK_SECRET": "short",
                                                    "TWILIO_AUTH_TOKEN": "t0ken"])
        #expect(link.stdout.contains("warning: serve would refuse to start with this environment: INCIDENT_BOT_LINK_SECRET is "
            + "shorter than 32 characters"), "\(link.stdout)")
        // An empty secret is no secret: serve would make one, and check-config makes none.
        let fine = try await BotProcess.run(["check-config", "--config", config.path, "--db", db],
                                      environment: ["MATRIX_ACCESS_TOKEN": "syt_x", "TWILIO_AUTH_TOKEN": "t0ken", "INCIDENT_BOT_LINK_SECRET": ""])
        #expect(!fine.stdout.contains("would refuse"), "\(fine.stdout)")
        #expect(!FileManager.default.fileExists(atPath: db + ".link-secret") && !FileManager.default.fileExists(atPath: db))
        // Something in the way of the secret serve would make (a symbolic link to nothing) is
        // refused with its name; serve used to ask about it again and again until it crashed.
        try FileManager.default.createSymbolicLink(atPath: db + ".link-secret", withDestinationPath: folder.appendingPathComponent("gone").path)
        let checkedInTheWay = try await BotProcess.run(["check-config", "--config", config.path, "--db", db],
                                                 environment: ["MATRIX_ACCESS_TOKEN": "syt_x", "TWILIO_AUTH_TOKEN": "t0ken"])
        #expect(checkedInTheWay.stdout.contains("serve would refuse to start with this environment: \(db).link-secret is in the way"),
                "\(checkedInTheWay.stdout)")
        let inTheWay = try await BotProcess.run(["serve", "--config", config.path, "--db", db],
                                          environment: ["MATRIX_ACCESS_TOKEN": "syt_x", "TWILIO_AUTH_TOKEN": "t0ken"])
        #expect(inTheWay.status == 1 && inTheWay.stderr.contains("\(db).link-secret is in the way of the acknowledge-link secret"),
                "\(inTheWay.status) \(inTheWay.stderr)")
        let typo = try await BotProcess.run(["console", "--clock", "manual", "--start", "2026-11-24T10:00:00Z", "--config", BotProcess.config,
                                       "--db", folder.appendingPathComponent("c.sqlite").path, "--log-level", "debg"], input: ":quit\n")
        // A command line's value that is no value of its option: 64, as for one that does not parse.
        #expect(typo.status == 64)
        #expect(typo.stderr == "incident-bot: --log-level debg is not a level: trace, debug, info, notice, warning, error or critical\n",
                "\(typo.stderr)")
        // As by the commands that log nothing.
        for command in [["check-config"], ["backup", folder.appendingPathComponent("b.sqlite").path]] {
            let refused = try await BotProcess.run(command + ["--config", BotProcess.config, "--db", folder.appendingPathComponent("c.sqlite").path,
                                                        "--log-level", "loud"])
            #expect(refused.status == 64 && refused.stderr.hasPrefix("incident-bot: --log-level loud is not a level"), "\(refused.stderr)")
        }
        // So is a drill's start the console cannot read, or one without the clock it needs.
        for (options, reason) in [(["--clock", "manual", "--start", "tomorrow"], "--start “tomorrow” is not a time like"),
                                  (["--clock", "manual"], "--clock manual needs --start"), (["--start", "2026-11-24T10:00:00Z"], "--start needs --clock manual")] {
            let refused = try await BotProcess.run(["console"] + options + ["--config", BotProcess.config, "--db", folder.appendingPathComponent("c.sqlite").path],
                                                   input: ":quit\n")
            #expect(refused.status == 64 && refused.stderr.hasPrefix("incident-bot: \(reason)"), "\(options) \(refused.status) \(refused.stderr)")
        }
    }

    @Test func checkConfigNamesTheFileAndLineOfAnError() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = folder.appendingPathComponent("incident-bot.yaml")
        try "policy: \(TestConfig.directory.path)/policy.yaml\nlog_level: info\nbroadcast:\n  console: incidents\n  irc: '#x'\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let result = try await BotProcess.run(["check-config", "--config", config.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("incident-bot: \(config.path):5: broadcast: unknown key “irc”"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)

        let good = try await BotProcess.run(["check-config", "--config", BotProcess.config])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("L4 VP engineering: @dave"))
    }
}
