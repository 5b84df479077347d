import Foundation
import IncidentApp
import IncidentCommands
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentTesting
import Testing

@Suite struct ConfigAndConsoleLineTests {
    @Test func theShippedConfigLoadsWithTheExampleRosterForTheConsoleOnly() throws {
        let config = try BotConfig.load(path: BotProcess.config)
        #expect(config.rosterPath == nil)
        let loaded = try LoadedConfig.load(config, allowExampleRoster: true)
        #expect(loaded.rosterIsExample)
        #expect(loaded.roster.people.count == 7)
        #expect(throws: ConfigError.self) { try LoadedConfig.load(config, allowExampleRoster: false) }
    }

    @Test(arguments: [
        ("policy: [a, b]\n", "config.yaml:1: policy: expected a text value"),
        ("polcy: policy.yaml\n", "config.yaml:1: unknown key “polcy”"),
        ("log_level: loud\n", "config.yaml:1: log_level: expected one of trace"),
        ("log_format: yaml\n", "config.yaml:1: log_format: log_format is text or json"),
        ("seen_retention: -1d\n", "config.yaml:1: seen_retention: must not be negative"),
        ("seen_retention: 2m\n", "config.yaml:1: seen_retention: seen_retention is at least 1h"),
        ("delivery:\n  give_up_after: 1\n", "config.yaml:2: delivery.give_up_after: must be 2 or more"),
        ("slack:\n  allowed_teams: [acme]\n", "config.yaml:2: slack.allowed_teams[0]: allowed_teams lists Slack team ids"),
        ("matrix:\n  allow_commands_from: [\"@bob\"]\n", "config.yaml:2: matrix.allow_commands_from[0]: allow_commands_from lists"),
        ("matrix:\n  allow_commands_from: [\"*\"]\n", "config.yaml:2: matrix.allow_commands_from[0]: allow_commands_from has no wildcards"),
        ("matrix:\n  allow_commands_from: [\"@*:example.org\"]\n", "config.yaml:2: matrix.allow_commands_from[0]: allow_commands_from has no wildcards"),
        ("matrix:\n  allow_commands_from: [\"https://example.org\"]\n", "config.yaml:2: matrix.allow_commands_from[0]: allow_commands_from lists server names (example.org), not URLs"),
        ("matrix:\n  allow_commands_from: [\":example.org\"]\n", "config.yaml:2: matrix.allow_commands_from[0]: allow_commands_from lists Matrix ids"),
        ("matrix:\n  allow_invites_from: [\"@alice:exa mple.org\"]\n", "config.yaml:2: matrix.allow_invites_from[0]: allow_invites_from lists Matrix ids"),
        ("delivery:\n  page_attempts_before_failover: 0\n", "config.yaml:2: delivery.page_attempts_before_failover: must be 1 or more"),
        ("matrix:\n  homeserver: matrix.example.org\n", "config.yaml:2: matrix.homeserver: homeserver is an http(s) URL"),
        ("matrix:\n  allow_invites_from: [\"@alice\"]\n", "config.yaml:2: matrix.allow_invites_from[0]: allow_invites_from lists"),
        ("matrix:\n  sync_timeout: 10m\n", "config.yaml:2: matrix.sync_timeout: sync_timeout is at most 2m"),
        ("matrix:\n  access_token: syt_x\n", "config.yaml:2: matrix: unknown key “access_token”"),
        ("slack:\n  pth: /x\n", "config.yaml:2: slack: unknown key “pth”; expected one of enabled, path, api_url, allowed_teams, timeline_reaction"),
        ("broadcast:\n  matrix: \"#incidents\"\n", "config.yaml:2: broadcast.matrix: must be an alias with its server, like #incidents:example.org, not “#incidents”"),
        ("broadcast:\n  matrix: incidents\n", "config.yaml:2: broadcast.matrix: must be a room id (!…) or an alias with its server"),
        ("broadcast:\n  matrix: \"#:example.org\"\n", "config.yaml:2: broadcast.matrix: must be an alias with its server"),
        ("mirror: yes please\n", "config.yaml:1: mirror:"),
        ("http:\n  listen: 3000\n", "config.yaml:2: http.listen: listen is host:port"),
        ("http:\n  listen: 0.0.0.0:99999\n", "config.yaml:2: http.listen: listen is host:port"),
        ("http:\n  listen: 999.1.1.1:3000\n", "config.yaml:2: http.listen: listen is host:port"),
        ("http:\n  listen: bad_host:3000\n", "config.yaml:2: http.listen: listen is host:port"),
        ("http:\n  listen: 0.0.0.0:3000\nadmin:\n  listen: 127.0.0.1:3000\n", "config.yaml:4: admin.listen: admin.listen and http.listen both use port 3000"),
        ("http:\n  listen: \"[::]:9090\"\n", "config.yaml:2: http.listen: admin.listen and http.listen both use port 9090"),
        ("admin:\n  listen: \"[::1:9090\"\n", "config.yaml:2: admin.listen: listen is host:port"),
        ("admin:\n  listen: 127.0.0.1:3000\n", "config.yaml:2: admin.listen: admin.listen and http.listen both use port 3000"),
        ("slack:\n  listen: 0.0.0.0:3000\n", "config.yaml:2: slack.listen: slack.listen moved to http.listen"),
        ("http:\n  public_url: incident-bot.example.org\n", "config.yaml:2: http.public_url: public_url is the http(s) address"),
        ("paging:\n  email:\n    enabled: true\n    host: smtp.example.org\n    from: bot\n", "config.yaml:5: paging.email.from: from is the sender's mail address"),
        ("paging:\n  email:\n    enabled: true\n    from: bot@example.org\n", "config.yaml:2: paging.email: missing “host”"),
        ("paging:\n  email:\n    enabled: true\n    host: smtp.example.org\n    from: bot@example.org\n    ca_file: /nonexistent/ca.pem\n",
         "config.yaml:6: paging.email.ca_file: ca_file /nonexistent/ca.pem: cannot read the file"),
        ("paging:\n  email:\n    enabled: true\n    host: smtp.example.org\n    security: ssl\n    from: bot@example.org\n", "config.yaml:5: paging.email.security: security is starttls, tls or none"),
        ("slack:\n  path: slack/events\n", "config.yaml:2: slack.path: path is a URL path"),
        ("delivery:\n  retry_base: 2h\n", "config.yaml:2: delivery.retry_base: retry_base is between 1s and 1m"),
        ("delivery:\n  retry_base: 1000000w\n", "config.yaml:2: delivery.retry_base: must be at most 366d, not “1000000w”"),
        ("delivery:\n  retry_ceiling: 2h\n", "config.yaml:2: delivery.retry_ceiling: retry_ceiling is at most 1h"),
        ("delivery:\n  retry_base: 30s\n  retry_ceiling: 10s\n", "config.yaml:3: delivery.retry_ceiling: retry_ceiling (10s) is shorter than retry_base (30s)"),
        ("slack:\n  path: /ack/:token\n", "config.yaml:2: slack.path: path is a URL path of letters, digits"),
        ("slack:\n  path: /slack/*\n", "config.yaml:2: slack.path: path is a URL path of letters, digits"),
        ("slack:\n  path: /Webhooks/pagerduty\n", "config.yaml:2: slack.path: path /Webhooks/pagerduty is one of the bot's own routes"),
        ("slack:\n  path: /ack/events\n", "config.yaml:2: slack.path: path /ack/events is one of the bot's own routes"),
        ("slack:\n  path: /healthz\n", "config.yaml:2: slack.path: path /healthz is one of the bot's own routes"),
        ("slack:\n  path: //healthz\n", "config.yaml:2: slack.path: path is a URL path of letters, digits"),
        ("slack:\n  api_url: slack.com/api\n", "config.yaml:2: slack.api_url: api_url is an http(s) URL"),
        ("paging:\n  twilio:\n    enabled: true\n    account_sid: AC123\n    from: \"+15550100000\"\n", "config.yaml:4: paging.twilio.account_sid: account_sid is the Twilio Account SID"),
        ("paging:\n  twilio:\n    enabled: true\n    account_sid: AC00000000000000000000000000000000\n    from: \"555\"\n", "config.yaml:5: paging.twilio.from: from is the Twilio number"),
        ("paging:\n  twilio:\n    enabled: true\n    account_sid: AC00000000000000000000000000000000\n    from: \"+15550100000\"\n    sms: false\n    voice: false\n", "config.yaml:2: paging.twilio: twilio is enabled with neither sms nor voice"),
        ("paging:\n  pagerduty:\n    enabled: true\n    events_url: events.pagerduty.com\n", "config.yaml:4: paging.pagerduty.events_url: events_url is an http(s) URL"),
        ("paging:\n  webhook:\n    enabled: true\n", "config.yaml:2: paging.webhook: missing “url”"),
        ("seen_retention: 2h\nhttp:\n  ack_link_valid_for: 24h\n", "config.yaml:3: http.ack_link_valid_for: ack_link_valid_for is at most seen_retention (2h)"),
        ("http:\n  read_timeout: 5m\n", "config.yaml:2: http.read_timeout: read_timeout is between 1s and 60s"),
        ("http:\n  max_body: 10\n", "config.yaml:2: http.max_body: must be 1024 or more"),
        ("slack:\n  token: xoxb-1\n", "config.yaml:2: slack: unknown key “token”"),
        ("slack:\n  timeline_reaction: \":pushpin:\"\n", "config.yaml:2: slack.timeline_reaction: timeline_reaction is a Slack reaction's name"),
        ("matrix:\n  timeline_reaction: \"pin it\"\n", "config.yaml:2: matrix.timeline_reaction: timeline_reaction is one emoji"),
        ("a: [\n", "config.yaml:"),
        // A URL with credentials before its host is refused without repeating them (the check
        // below): secrets come from the environment or a file, and URLs are logged (Slack's Web
        // API address twelve times in a debug log).
        ("slack:\n  api_url: http://bot:SEKRIT52@127.0.0.1:9/api\n", "config.yaml:2: slack.api_url: api_url carries credentials"),
        ("matrix:\n  homeserver: https://bot:SEKRIT52@matrix.example.org\n", "config.yaml:2: matrix.homeserver: homeserver carries credentials"),
        ("http:\n  public_url: https://SEKRIT52@bot.example.org\n", "config.yaml:2: http.public_url: public_url carries credentials"),
        ("paging:\n  webhook:\n    enabled: true\n    url: https://bot:SEKRIT52@pager.example.org/hook\n",
         "config.yaml:4: paging.webhook.url: url carries credentials"),
        // A password with `/`, `?` or `#` in it ends the authority there, leaving a port that is
        // no number: it passed as an address, into every link of every page.
        ("http:\n  public_url: https://oncall:SEKRIT52/9x@bot.example.org\n", "config.yaml:2: http.public_url: public_url carries credentials"),
        ("http:\n  public_url: https://oncall:SEKRIT52?9x@bot.example.org\n", "config.yaml:2: http.public_url: public_url carries credentials"),
        ("matrix:\n  homeserver: https://bot:SEKRIT52#x@matrix.example.org\n", "config.yaml:2: matrix.homeserver: homeserver carries credentials"),
        ("slack:\n  api_url: \"https://[x\"\n", "config.yaml:2: slack.api_url: api_url is an http(s) URL such as https://slack.com/api, not “https://[x”"),
        // So is a token pasted where a setting was meant.
        ("slack:\n  enabled: xoxb-1234-SEKRIT52\n", "config.yaml:2: slack.enabled: expected true or false, not “<a token, not shown>”"),
        ("matrix:\n  homeserver: syt_SEKRIT52_abc\n", "config.yaml:2: matrix.homeserver: homeserver is an http(s) URL"),
        // Found by DoorFuzzTests: a quoted value with a line break made a two-line error.
        ("delivery:\n  retry_ceiling: \"5m\\n  give_up_after: 30\"\n",
         "config.yaml:2: delivery.retry_ceiling: expected a duration like 15m, 2h or 1h30m, not “5m\\n  give_up_after: 30”"),
    ])
    func aBadConfigIsRefusedWithFileLineAndReason(text: String, expected: String) {
        do {
            _ = try BotConfig.parse(text, file: "config.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected) && !error.description.lowercased().contains("sekrit52"), "\(error.description)")
        }
    }

    /// An `@` in a URL's path is the path's, not credentials before its host.
    @Test func anAtInAURLsPathIsNoCredential() throws {
        _ = try BotConfig.parse("paging:\n  webhook:\n    enabled: true\n    url: https://pager.example.org/teams/@ops\n", file: "config.yaml")
        // Nor is a port, of a name or of an IPv6 address.
        _ = try BotConfig.parse("matrix:\n  homeserver: http://synapse:8008/@x\n", file: "config.yaml")
        _ = try BotConfig.parse("matrix:\n  homeserver: \"http://[::1]:8008\"\n", file: "config.yaml")
    }

    /// Aliases nested as a mapping's key: each level ten of the one below, which the YAML
    /// library's duplicate-key check walks whole. Seven levels took 42 s and nine about an
    /// hour; five (a few hundred milliseconds, more in a debug build) show the limit at work
    /// without leaving much for the abandoned thread to finish.
    @Test func aFileThatTakesTooLongToReadIsRefused() throws {
        var levels = ["&a0 [l,l,l,l,l,l,l,l,l,l]"]
        for level in 1...5 { levels.append("&a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ",") + "]") }
        let bomb = "? [" + levels.joined(separator: ", ") + "]\n: x\n"
        #expect {
            try ConfigReadingLimit.read("config.yaml", within: .milliseconds(20)) { () throws(ConfigError) in
                try BotConfig.parse(bomb, file: "config.yaml")
            }
        } throws: { "\($0)".hasPrefix("config.yaml: reading it as YAML took longer than") }
        // A real file reads well within the limit, with its errors as before.
        #expect {
            try ConfigReadingLimit.read("config.yaml") { () throws(ConfigError) in try BotConfig.parse("a: [1\n", file: "config.yaml") }
        } throws: { "\($0)".contains("YAML syntax") }
    }

    @Test func listenersTakeIPv4IPv6AndLocalhost() throws {
        let config = try BotConfig.parse("admin:\n  listen: \"[::1]:9090\"\nhttp:\n  listen: localhost:0\n", file: "config.yaml")
        #expect(config.admin.host == "::1" && config.admin.port == 9090)
        #expect(config.http.host == "localhost" && config.http.port == 0)
        let names = try BotConfig.parse("admin:\n  listen: bot-admin.internal:9090\nhttp:\n  listen: \":::3000\"\n", file: "config.yaml")
        #expect(names.admin.host == "bot-admin.internal" && names.http.host == "::" && names.http.port == 3000)
        // Two listeners may both ask for any free port, or share one on two addresses; and
        // a Slack path under /webhooks/ that is not a provider's is the team's to choose.
        _ = try BotConfig.parse("admin:\n  listen: 127.0.0.1:0\nhttp:\n  listen: 0.0.0.0:0\n", file: "config.yaml")
        _ = try BotConfig.parse("admin:\n  listen: 127.0.0.1:3000\nhttp:\n  listen: 10.0.0.5:3000\n", file: "config.yaml")
        _ = try BotConfig.parse("slack:\n  path: /webhooks/slack\n", file: "config.yaml")
    }

    @Test func aMissingPolicyFileIsNamed() throws {
        // A folder nothing made: `/tmp/x` may be anyone's file.
        let absent = "/tmp/incident-bot-absent-\(UUID().uuidString)"
        // Named at the config's line that names it, where the fix is.
        let config = try BotConfig.parse("log_level: info\npolicy: nowhere.yaml\n", file: "\(absent)/incident-bot.yaml")
        #expect(throws: ConfigError(file: "\(absent)/incident-bot.yaml", line: 2,
                                    reason: "policy: \(absent)/nowhere.yaml: cannot read the file (no such file)")) {
            try LoadedConfig.load(config, allowExampleRoster: true)
        }
        let policy = try TestConfig.temporaryDirectory().appendingPathComponent("policy.yaml")
        try FileManager.default.copyItem(atPath: TestConfig.directory.appendingPathComponent("policy.yaml").path, toPath: policy.path)
        let roster = try BotConfig.parse("policy: \(policy.path)\nroster: missing.yaml\n", file: "\(absent)/incident-bot.yaml")
        #expect(throws: ConfigError(file: "\(absent)/incident-bot.yaml", line: 2,
                                    reason: "roster: \(absent)/missing.yaml: cannot read the file (no such file)")) {
            try LoadedConfig.load(roster, allowExampleRoster: true)
        }
        // The policy named nowhere (its default beside the config) is named as a file.
        let unnamed = try BotConfig.parse("log_level: info\n", file: "\(absent)/incident-bot.yaml")
        #expect(throws: ConfigError(file: "\(absent)/policy.yaml", line: 0, reason: "cannot read the file (no such file)")) {
            try LoadedConfig.load(unnamed, allowExampleRoster: true)
        }
        #expect(ConfigError(file: "/tmp/x/nowhere.yaml", line: 0, reason: "cannot read the file (no such file)").description
                == "/tmp/x/nowhere.yaml: cannot read the file (no such file)")
        // A folder given for a file is called one (Foundation says "error 256").
        let folder = try TestConfig.temporaryDirectory().path
        #expect(throws: ConfigError(file: folder, line: 0, reason: "cannot read the file (it is a folder)")) {
            try BotConfig.load(path: folder)
        }
        // A pipe is called one, not "permission denied"; a loop of links is called one, not "error 256".
        let pipe = folder + "/config.fifo"
        #expect(mkfifo(pipe, 0o600) == 0)
        #expect(throws: ConfigError(file: pipe, line: 0, reason: "cannot read the file (it is not a regular file but a device, a pipe or a socket)")) {
            try BotConfig.load(path: pipe)
        }
        let loop = folder + "/loop.yaml"
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        #expect(throws: ConfigError(file: loop, line: 0, reason: "cannot read the file (too many levels of symbolic links)")) {
            try BotConfig.load(path: loop)
        }
    }

    @Test(arguments: [
        ("alice: /ack", ConsoleLine.say(room: nil, user: "alice", text: "/ack")),
        ("  [#incident-20261124-x]   @bob:   /update  a: b  ", .say(room: "incident-20261124-x", user: "bob", text: "/update  a: b")),
        ("[incidents] carol: hello", .say(room: "incidents", user: "carol", text: "hello")),
        (":advance 1h30m", .advance(.minutes(90))),
        (":NOW", .now), (":rooms", .rooms), (":quit", .quit), ("", .nothing), ("# a comment", .nothing),
    ])
    func consoleLinesParse(text: String, expected: ConsoleLine) throws {
        #expect(try ConsoleLine.parse(text).get() == expected)
    }

    @Test(arguments: [
        ("just words", "no “user:” before the text"),
        ("[#room alice: hi", "the room has no closing ]"),
        ("[] alice: hi", "is not a room"),
        ("two words: hi", "is not a user name"),
        ("alice:   ", "alice said nothing"),
        (":advance", ":advance takes one duration"),
        (":advance -5m", ":advance takes one duration"),
        (":advance 0m", ":advance takes one duration"),
        (":rewind 5m", "unknown control"),
        (":now please", ":now takes nothing after it"),
    ])
    func malformedConsoleLinesGetOneLineReasons(text: String, reason: String) {
        guard case .failure(let error) = ConsoleLine.parse(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(error.description.contains(reason), "\(error.description)")
        #expect(!error.description.contains("\n"))
    }

    /// A rotation whose handover was written in summer hands over at the same wall-clock
    /// time in winter, and `check-config` says so: it said an hour earlier, adding whole weeks
    /// of seconds to the summer handover, while the bot handed over at 09:00.
    @Test func theEndOfATurnIsShownAtItsWallClockTimeAcrossSummerTime() throws {
        var loaded = try LoadedConfig.load(try BotConfig.load(path: BotProcess.config), allowExampleRoster: true)
        let london = try #require(LocalZone(identifier: "Europe/London"))
        loaded.roster.rotations["primary-oncall"] = Roster.Rotation(people: ["alice", "frank"], handover: try #require(Timestamp(iso8601: "2026-06-01T08:00:00Z")),
                                                                    zone: london)
        let december = try #require(Timestamp(iso8601: "2026-12-03T12:00:00Z"))
        let text = EffectivePolicy.text(loaded, now: december)
        #expect(text.contains("(rotation primary-oncall, until 2026-12-07 09:00 UTC)"), "\(text)")
        // A rotation of one never hands over: no end is shown.
        loaded.roster.rotations["primary-oncall"]?.people = ["alice"]
        #expect(EffectivePolicy.text(loaded, now: december).contains("@alice (rotation primary-oncall)"))
    }

    @Test func thePolicyInForceShowsWhoIsOnDutyAndUntilWhen() throws {
        let loaded = try LoadedConfig.load(try BotConfig.load(path: BotProcess.config), allowExampleRoster: true)
        let text = EffectivePolicy.text(loaded, now: TestConfig.start)
        // A rotation of one: nobody takes over from alice, so no end of her turn is shown.
        #expect(text.contains("L1 on-call engineer: @alice (rotation primary-oncall)\n"), "\(text)")
        // The example roster has no phone for the CTO the level asks to phone: she is paged by chat.
        #expect(text.contains("L3 CTO: @grace (the level asks for phone; @grace has none, and is paged by slack or matrix)"), "\(text)")
        // With mail off, someone with only an address is reached by nothing: the console
        // rehearses chat, not mail. It read "paged by email".
        var mailOnly = loaded
        mailOnly.roster.people["grace"]?.addresses = [.email: "grace@example.org"]
        mailOnly.roster.people["grace"]?.contactOrder = [.email]
        #expect(EffectivePolicy.text(mailOnly, now: TestConfig.start)
            .contains("L3 CTO: @grace (the level asks for phone; @grace has none, and nothing enabled here reaches them)"))
        // By what the config enables: with Slack alone, grace by Slack, and frank (on Matrix
        // alone) by nothing, as the warning below it says. It read "paged by matrix".
        var slackOnly = loaded
        slackOnly.config.enabledPlatforms = [.slack]
        let served = EffectivePolicy.text(slackOnly, now: TestConfig.start)
        #expect(served.contains("L3 CTO: @grace (the level asks for phone; @grace has none, and is paged by slack)"), "\(served)")
        #expect(!served.contains("paged by matrix") && served.contains("@frank has none, and nothing enabled here reaches them)")
                && served.contains("warning: business.L2: nothing enabled here reaches @frank"), "\(served)")
        #expect(text.contains("L3 engineering manager: @carol\n"))
        #expect(text.contains("P3: updates as needed"))
        // The matrix, severity by level, in minutes from declaration.
        #expect(text.contains("      engineering.L1  engineering.L2  engineering.L3  engineering.L4  business.L1  business.L2  business.L3"))
        #expect(text.contains("  P2               0             240               -               -            -            -            -"))
        #expect(text.contains("  P3: pages in working hours (Mon Tue Wed Thu Fri 09:00–17:00); engineering repeats its top once, every 1d"))
        // The shipped config names no roster: the one warning is that serve would refuse it.
        #expect(text.components(separatedBy: "warning:").count == 2, "\(text)")
        #expect(text.contains("warning: serve refuses to start without a roster"))
    }

    /// Every engineering level's severities without P3, and P3 without an escalation of its
    /// own: a P3 then pages nobody, and the check says so instead of "ok" alone.
    @Test func aSeverityThatPagesNobodyIsNamed() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let policy = try String(contentsOf: TestConfig.directory.appendingPathComponent("policy.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "severities: [P0, P1, P2, P3]", with: "severities: [P0, P1, P2]")
            .replacingOccurrences(of: """
                    escalation:
                      engineering:   # "response 8 hours; escalation: team lead at 24 hours"
                        levels: { L1: 0m, L2: 24h }
                        repeat: { times: 1, every: 24h }

                """, with: "")
        #expect(!policy.contains("team lead at 24 hours"))
        try policy.write(to: folder.appendingPathComponent("policy.yaml"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("incident-bot.yaml").path
        try """
        policy: policy.yaml
        roster: \(TestConfig.directory.path)/roster.example.yaml

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try LoadedConfig.load(try BotConfig.load(path: path), allowExampleRoster: true)
        let warnings = EffectivePolicy.text(loaded, now: TestConfig.start).split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        #expect(warnings == ["warning: P3 pages nobody: no ladder level serves it (a level's severities:, or its escalation:)"])
        // The console says it as it starts, as serve logs it: a drill on this policy hears it.
        let console = try await BotProcess.run(["console", "--config", path, "--db", folder.appendingPathComponent("drill.sqlite").path,
                                          "--clock", "manual", "--start", "2026-11-24T10:00:00Z"], input: ":quit\n")
        #expect(console.status == 0 && console.stderr.contains("P3 pages nobody: no ladder level serves it"), "\(console.stderr)")
    }

    /// P1 taken off every engineering level and its escalation dropped: only the business
    /// ladder, which no acknowledgement stops, pages a P1, so a P1 at 3 a.m. woke no engineer
    /// while `check-config` said "ok" (found by an audit). It says so now, as `serve` logs it.
    @Test func aSeverityOnlyTheBusinessLadderPagesIsNamed() throws {
        let shipped = try String(contentsOf: TestConfig.directory.appendingPathComponent("policy.yaml"), encoding: .utf8)
        let policy = try Policy.load(yaml: shipped
            .replacingOccurrences(of: "severities: [P0, P1, P2, P3]", with: "severities: [P0, P2, P3]")
            .replacingOccurrences(of: "        levels: { L1: 0m, L2: 30m, L3: 1h }\n        repeat: { times: 4, every: 30m }\n", with: "        repeat: { times: 4, every: 30m }\n"),
            file: "policy.yaml")
        #expect(!policy.plan(try #require(policy.ladder("engineering")), at: .p1).runs)
        #expect(PolicyGaps.warnings(policy) == [
            "P1 asks nobody to respond: only business pages it, and no ladder that an acknowledgement stops (stop_on: acknowledged) "
                + "serves it (a level's severities:, or its escalation:)",
        ])
        #expect(PolicyGaps.warnings(try Policy.load(yaml: shipped, file: "policy.yaml")).isEmpty)
    }

    /// `check-config`'s warnings for the shipped policy and example roster with Matrix on and
    /// `settings` (YAML at the top level) besides.
    func checkConfigWarnings(_ settings: String = "") throws -> [Substring] {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("incident-bot.yaml").path
        try """
        policy: \(TestConfig.directory.path)/policy.yaml
        roster: \(TestConfig.directory.path)/roster.example.yaml
        matrix:
          enabled: true
          homeserver: http://127.0.0.1:8008
        \(settings)

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try LoadedConfig.load(try BotConfig.load(path: path), allowExampleRoster: true)
        return EffectivePolicy.text(loaded, now: TestConfig.start).split(separator: "\n").filter { $0.hasPrefix("warning: ") }
    }

    /// Matrix alone, with no paging: the example's VP engineering has Slack and a phone only,
    /// so nothing would carry their page. check-config says so, as serve logs it at start.
    @Test func aLevelNothingEnabledReachesIsNamed() throws {
        #expect(try checkConfigWarnings() == [
            "warning: engineering.L4: nothing enabled here reaches @dave (who has slack, sms, voice), so their pages "
                + "as engineering.L4 will fail; enable what their contact needs (a chat platform, or paging:) or give "
                + "them another contact in the roster",
        ])
    }

    /// Matrix and Twilio without a public address: the example's VP engineering is reached by
    /// call and text, but has no Matrix account to type `/ack` in, and a call or a text takes
    /// no answer without `http.public_url`: they could never acknowledge. Named; and not once
    /// the address is set.
    @Test func someoneWhoCouldNeverAcknowledgeIsNamed() throws {
        func warnings(publicURL: String) throws -> [Substring] {
            try checkConfigWarnings("""
            http:
              public_url: "\(publicURL)"
            paging:
              twilio:
                enabled: true
                account_sid: AC0123456789abcdef0123456789abcdef
                from: "+15550100000"
            """)
        }
        #expect(try warnings(publicURL: "") == ["warning: engineering.L4: @dave has no chat account here, and their pages (by voice) "
                                                + "take no answer where they land, so they can never acknowledge one; set http.public_url "
                                                + "(and PAGERDUTY_WEBHOOK_SECRET for PagerDuty), or give them a chat account in the roster"])
        #expect(try warnings(publicURL: "https://incident-bot.example.org").isEmpty)
    }
}

/// Open incidents keep the policy they were declared under, and the roster fills levels by
/// id: a policy that renumbered or dropped a level is named at start for them.
@Suite struct PolicyDriftTests {
    @Test func aRenumberedOrDroppedLevelIsNamedForTheOpenIncidents() throws {
        let loaded = try LoadedConfig.load(try BotConfig.load(path: BotProcess.config), allowExampleRoster: true)
        let old = loaded.policy
        guard case .declare(let declaration) = try CommandParser.parse("/incident declare Payments down --sev P1").get().command else {
            Issue.record("not a declaration")
            return
        }
        let incident = try Incident.declare(declaration, number: 4, by: "alice", at: TestConfig.start, policy: old, roster: loaded.roster,
                                            takenRooms: []).incident
        #expect(PolicyDrift.warnings(open: [incident], policy: old).isEmpty)
        var renumbered = old
        let engineering = try #require(renumbered.ladders.firstIndex { $0.id == "engineering" })
        renumbered.ladders[engineering].levels[1].role = "senior engineer"
        renumbered.ladders[engineering].levels.removeLast()
        #expect(PolicyDrift.warnings(open: [incident], policy: renumbered) == [
            "open incidents INC-4 keep the policy they were declared under: engineering.L2 was team lead when they were declared and "
                + "is senior engineer in the policy in force, so their page as team lead goes to whoever fills senior engineer; "
                + "resolve them, or keep the level's id for the same role",
            "open incidents INC-4 keep the policy they were declared under: engineering.L4 (VP engineering) is not in the policy in "
                + "force, so their page there reaches nobody; resolve them, or keep the level's id for the same role",
        ])
    }
}
