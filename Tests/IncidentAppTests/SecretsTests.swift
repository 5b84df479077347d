import Foundation
@testable import IncidentApp
import IncidentTesting
import Testing

/// Secrets read from the environment or a file say what is wrong without showing the secret.
@Suite struct SecretsTests {
    /// The token put in `SLACK_BOT_TOKEN_FILE` by mistake (a common slip in a Kubernetes or
    /// systemd setup) is not echoed into the journal with the "cannot read" refusal.
    @Test func aSecretInTheFileVariableIsNotShown() {
        let token = "xoxb-Hunter2PW0123456789"
        do {
            _ = try Secrets.read("SLACK_BOT_TOKEN", ["SLACK_BOT_TOKEN_FILE": token])
            Issue.record("a token taken for a path was read")
        } catch {
            let said = "\(error)"
            #expect(!said.contains("Hunter2"), "\(said)")
            #expect(said == "cannot read SLACK_BOT_TOKEN_FILE (its value is not shown: it names no file in a folder that exists; "
                + "is the secret itself in SLACK_BOT_TOKEN_FILE?): no such file", "\(said)")
        }
    }

    /// A path is shown, on one line whatever it holds, with the system's reason.
    @Test func aPathIsShownOnOneLineWithItsReason() throws {
        let folder = try TestConfig.temporaryDirectory()
        let missing = folder.appendingPathComponent("tok\nen").path
        #expect(throws: (any Error).self) { try Secrets.read("SLACK_BOT_TOKEN", ["SLACK_BOT_TOKEN_FILE": missing]) }
        do {
            _ = try Secrets.read("SLACK_BOT_TOKEN", ["SLACK_BOT_TOKEN_FILE": missing])
        } catch {
            #expect("\(error)" == "cannot read SLACK_BOT_TOKEN_FILE \(folder.path)/tok\\nen: no such file")
        }
        // A base64 secret with a slash in it names no folder that is there.
        #expect(throws: (any Error).self) { try Secrets.read("SLACK_BOT_TOKEN", ["SLACK_BOT_TOKEN_FILE": "q8Zr/Hunter2+x=="]) }
        do {
            _ = try Secrets.read("SLACK_BOT_TOKEN", ["SLACK_BOT_TOKEN_FILE": "q8Zr/Hunter2+x=="])
        } catch {
            #expect(!"\(error)".contains("Hunter2"), "\(error)")
        }
        // A folder directly under the root is a path too: said as one, not as a secret.
        do {
            _ = try Secrets.read("SLACK_BOT_TOKEN", ["SLACK_BOT_TOKEN_FILE": "/etc"])
            Issue.record("a folder was read as a secret's file")
        } catch {
            #expect("\(error)" == "cannot read SLACK_BOT_TOKEN_FILE /etc: it is a folder", "\(error)")
        }
        let latin1 = folder.appendingPathComponent("latin1")
        try Data([0x74, 0x6f, 0x6b, 0xe9, 0xff]).write(to: latin1)
        do {
            _ = try Secrets.read("SLACK_BOT_TOKEN", ["SLACK_BOT_TOKEN_FILE": latin1.path])
            Issue.record("a file that is not UTF-8 was read")
        } catch {
            #expect("\(error)" == "cannot read SLACK_BOT_TOKEN_FILE \(latin1.path): it is not UTF-8 text")
        }
    }
}

extension SecretsTests {
    /// A file named in the working folder (`SLACK_BOT_TOKEN_FILE=token`) that is read and
    /// found empty is named as the file it is: the refusal said its value was not shown, as if
    /// it were the secret itself, and asked whether it was.
    @Test func anEmptyFileInTheWorkingFolderIsNamed() async throws {
        let folder = try TestConfig.temporaryDirectory()
        try Data("\n".utf8).write(to: folder.appendingPathComponent("token"))
        let config = folder.appendingPathComponent("bot.yaml")
        try "policy: \(TestConfig.directory.path)/policy.yaml\nroster: \(TestConfig.directory.path)/roster.example.yaml\nslack:\n  enabled: true\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let checked = try await BotProcess.run(["check-config", "--config", config.path, "--db", "bot.sqlite"],
                                               environment: ["SLACK_BOT_TOKEN_FILE": "token", "SLACK_BOT_TOKEN": ""], folder: folder)
        #expect(checked.stdout.contains("serve would refuse to start with this environment: SLACK_BOT_TOKEN_FILE token is empty\n"),
                "\(checked.stdout)")
    }
}

/// A URL the environment sets over the config's is held to the config's rule: credentials
/// before its host are refused at start, and the refusal does not repeat them.
@Suite struct EnvironmentURLTests {
    @Test func aURLWithCredentialsFromTheEnvironmentIsRefusedWithoutThem() throws {
        let config = try BotConfig.parse("slack:\n  enabled: true\n", file: "config.yaml")
        let environment = ["SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
                           "SLACK_API_URL": "https://bot:SEKRIT52@slack.example.org/api"]
        do {
            _ = try SlackSetup.load(config, environment: environment)
            Issue.record("accepted")
        } catch {
            #expect("\(error)".hasPrefix("SLACK_API_URL carries credentials") && !"\(error)".contains("SEKRIT52"), "\(error)")
        }
        var plain = environment
        plain["SLACK_API_URL"] = "https://slack.example.org/api"
        #expect(try SlackSetup.load(config, environment: plain).apiURL == "https://slack.example.org/api")
        do {
            _ = try MatrixSetup.load(config.matrix, environment: ["MATRIX_ACCESS_TOKEN": "syt_x", "MATRIX_HOMESERVER": "https://u:SEKRIT52@m.example.org"],
                                     tokenFile: nil)
            Issue.record("accepted")
        } catch {
            #expect("\(error)".hasPrefix("MATRIX_HOMESERVER carries credentials") && !"\(error)".contains("SEKRIT52"), "\(error)")
        }
    }

    /// No http(s) URL at all: refused at start in one line, as the config's own are; the
    /// provider URLs too, which `check-config` and `serve` read the same way.
    @Test(arguments: ["notaurl", "slack.com/api", "ftp://slack.example.org/api", "https://slack.example.org/a pi"])
    func aURLFromTheEnvironmentThatIsNoURLIsRefused(url: String) throws {
        for name in ["SLACK_API_URL", "PAGERDUTY_EVENTS_URL", "TWILIO_API_URL", "MATRIX_HOMESERVER"] {
            #expect { try BotConfig.environmentURL(name, [name: url]) } throws: {
                "\($0)" == "\(name) is an http(s) URL such as https://example.org/, not “\(url)”"
            }
        }
        #expect(try BotConfig.environmentURL("SLACK_API_URL", ["SLACK_API_URL": "http://127.0.0.1:9/api/"]) == "http://127.0.0.1:9/api/")
        #expect { try BotConfig.environmentURL("SLACK_API_URL", ["SLACK_API_URL": "https://[x"]) } throws: { "\($0)".contains("not “https://[x”") }
    }

    /// A password with `/`, `?` or `#` in it leaves an authority whose port is no number: taken
    /// as credentials, and not repeated.
    @Test(arguments: ["https://u:SEKRIT52/x@h.example/", "https://u:SEKRIT52?x@h.example/", "https://u:SEKRIT52#x@h.example/"])
    func aPasswordThatEndsTheAuthorityEarlyIsStillCredentials(url: String) throws {
        for name in ["SLACK_API_URL", "PAGERDUTY_EVENTS_URL", "TWILIO_API_URL", "MATRIX_HOMESERVER"] {
            #expect { try BotConfig.environmentURL(name, [name: url]) } throws: {
                "\($0)".hasPrefix("\(name) carries credentials") && !"\($0)".contains("SEKRIT52")
            }
        }
    }

    /// MATRIX_USER and MATRIX_PASSWORD swapped: the refusal says what is wrong with the id
    /// without repeating it, which would put the password in the journal.
    @Test func aMatrixUserThatIsNoIdIsRefusedWithoutItsValue() throws {
        var settings = BotConfig.MatrixSettings()
        settings.homeserver = "https://matrix.example.org"
        for (user, missing) in [("SEKRIT52", "does not start with @"), ("@SEKRIT52", "no :server after the name")] {
            #expect {
                try MatrixSetup.load(settings, environment: ["MATRIX_USER": user, "MATRIX_PASSWORD": "@bot:example.org"], tokenFile: "/tmp/x")
            } throws: { "\($0)".contains(missing) && !"\($0)".contains("SEKRIT52") }
        }
    }
}
