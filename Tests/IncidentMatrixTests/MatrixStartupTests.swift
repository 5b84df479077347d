@testable import IncidentApp
@testable import IncidentMatrix
import IncidentCore
import IncidentEngine
import IncidentTesting
import IncidentWire
import Foundation
import IncidentPolicy
import Logging
import Synchronization
import MatrixSynapse
import Testing

/// A homeserver down as the bot starts does not stop it: Slack and the pagers go on, and the
/// bot's own Matrix server is learned once the homeserver answers.
@Suite struct MatrixStartupTests {
    @Test func aHomeserverDownAtStartStopsNothingAndItsServerIsLearnedLater() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await synapse.register("incident-bot.startup\(UInt16.random(in: 0...UInt16.max))")
        var logger = Logger(label: "matrix-startup-test")
        logger.logLevel = .critical
        var settings = BotConfig.MatrixSettings()
        settings.homeserver = synapse.url
        // Nothing listens on port 9 here: the homeserver is down.
        let down = try MatrixSetup.load(settings, environment: ["MATRIX_ACCESS_TOKEN": bot.token, "MATRIX_HOMESERVER": "http://127.0.0.1:9"],
                                        tokenFile: nil)
        let accounts = OwnAccounts()
        let (community, learning) = await down.community(client: down.client(), logger: logger, ownAccounts: accounts)
        let own = try #require(community.ownMatrixServer as? LearnedMatrixServer)
        #expect(learning != nil)
        #expect(!community.serves(.matrix, account: "@alice:localhost"))
        #expect(community.matrixDescription.contains("not known yet"))

        // The homeserver answers: its accounts are served from then on.
        let up = try MatrixSetup.load(settings, environment: ["MATRIX_ACCESS_TOKEN": bot.token], tokenFile: nil)
        // Learned, the lookup waits for the process to stop: a service that returned would
        // stop the process's whole group (Slack and the pagers with it).
        let returned = Returned()
        let lookup = Task {
            try? await MatrixSetup.OwnServerLookup(client: up.client(), server: own, ownAccounts: accounts, logger: logger).run()
            returned.flag.withLock { $0 = true }
        }
        defer { lookup.cancel() }
        let deadline = ContinuousClock.now + .seconds(20)
        while own.server == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(community.serves(.matrix, account: "@alice:localhost"))
        // The bot's own account is learned with it: nobody names the bot IC.
        #expect(accounts.contains(.unlisted(.matrix, bot.user)), "\(bot.user)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(returned.flag.withLock { !$0 }, "the lookup returned: it would stop the process")
        #expect(!community.serves(.matrix, account: "@mallory:evil.example"))
        #expect(community.matrixDescription == "accounts on localhost")
    }
}

/// A homeserver that answers `whoami` but fails every sync (a sync position it no longer
/// knows after a restore, an answer too large to take) makes `/readyz` not ready, with why:
/// the bot is deaf to Matrix. A few failures in a row (a restart) do not.
@Suite struct MatrixReadinessTests {
    @Test func syncsFailingAgainAndAgainMakeMatrixNotReady() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await synapse.register("incident-bot.ready\(UInt16.random(in: 0...UInt16.max))")
        var settings = BotConfig.MatrixSettings()
        settings.homeserver = synapse.url
        let setup = try MatrixSetup.load(settings, environment: ["MATRIX_ACCESS_TOKEN": bot.token], tokenFile: nil)
        let check = setup.readinessCheck(client: setup.client())
        #expect(await check.run() == nil)
        for n in 1...LoopHealth.failuresBeforeUnready {
            setup.syncHealth.failed("M_UNKNOWN: Invalid stream token")
            let problem = await check.run()
            #expect((problem == nil) == (n < LoopHealth.failuresBeforeUnready), "\(n): \(problem ?? "ready")")
        }
        #expect(await check.run()?.contains("Invalid stream token") == true)
        setup.syncHealth.succeeded()
        #expect(await check.run() == nil)
    }
}

final class Returned: Sendable {
    let flag = Mutex(false)
}

/// A password login's token forgotten by the homeserver is replaced once, however many calls
/// find it forgotten at once: each login is a new device, and transaction ids are kept per
/// device.
@Suite struct MatrixLoginTests {
    @Test func callsThatFindTheTokenForgottenTogetherLogInOnce() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await synapse.register("incident-bot.relogin\(UInt16.random(in: 0...UInt16.max))")
        let tokenFile = try TestConfig.temporaryDirectory().appendingPathComponent("matrix-token").path
        try "a-token-the-homeserver-forgot".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let client = MatrixClient(homeserver: synapse.url, auth: .password(user: bot.user, password: Secret(bot.password), tokenFile: tokenFile))
        let before = try await bot.call(.GET, "devices")["devices"]?.array?.count ?? 0
        let users = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await client.whoami() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(users == Array(repeating: bot.user, count: 8))
        let after = try await bot.call(.GET, "devices")["devices"]?.array?.count ?? 0
        #expect(after == before + 1, "\(after - before) logins")
    }

    /// A wrong password is a setup error, said as one and naming what to fix: it was logged
    /// once, as a warning that whoami failed, and a delivery read its M_FORBIDDEN as a room's.
    @Test func aWrongPasswordIsASetupErrorNamingItsVariables() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await synapse.register("incident-bot.wrongpw\(UInt16.random(in: 0...UInt16.max))")
        let tokenFile = try TestConfig.temporaryDirectory().appendingPathComponent("matrix-token").path
        let auth = MatrixClient.Auth.password(user: bot.user, password: Secret("not-" + bot.password), tokenFile: tokenFile)
        do {
            _ = try await MatrixClient(homeserver: synapse.url, auth: auth).whoami()
            Issue.record("a wrong password logged in")
        } catch {
            #expect(error.isSetupError && error.code == nil, "\(error)")
            #expect(error.description.contains("check MATRIX_USER and MATRIX_PASSWORD"), "\(error)")
            #expect(!error.description.contains(bot.password), "\(error)")
            guard case .misconfigured = error.transportError else { Issue.record("\(error.transportError)"); return }
        }
        #expect(!FileManager.default.fileExists(atPath: tokenFile))
    }

    @Test func aLoginAfterTheTokenIsForgottenIsTheSameDevice() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await synapse.register("incident-bot.device\(UInt16.random(in: 0...UInt16.max))")
        let tokenFile = try TestConfig.temporaryDirectory().appendingPathComponent("matrix-token").path
        let auth = MatrixClient.Auth.password(user: bot.user, password: Secret(bot.password), tokenFile: tokenFile)
        let first = try await MatrixClient(homeserver: synapse.url, auth: auth).call(.GET, "account/whoami")["device_id"]?.string
        let kept = try String(contentsOfFile: tokenFile, encoding: .utf8).split(separator: "\n")
        #expect(kept.count == 2 && kept.last.map(String.init) == first)
        let devices = try await bot.call(.GET, "devices")["devices"]?.array?.count ?? 0

        // The homeserver forgets the token (it expired); the device line stays.
        try "a-token-the-homeserver-forgot\n\(first ?? "")\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let again = try await MatrixClient(homeserver: synapse.url, auth: auth).call(.GET, "account/whoami")["device_id"]?.string
        #expect(again == first)
        #expect(try await bot.call(.GET, "devices")["devices"]?.array?.count == devices)
    }
}
