import Foundation
import IncidentApp
import IncidentPostgres
import IncidentTesting
import Testing

/// `database.url` and `--db`: what is accepted, and a one-line reason for what is not.
@Suite struct DatabaseLocationTests {
    @Test func sqlitePathsAndPostgresURLs() throws {
        #expect(try DatabaseLocation.parse("bot.sqlite") == .sqlite(path: "bot.sqlite"))
        #expect(try DatabaseLocation.parse("sqlite:data/bot.sqlite", resolve: { "/etc/bot/" + $0 }) == .sqlite(path: "/etc/bot/data/bot.sqlite"))
        let postgres = try DatabaseLocation.parse("postgres://bot@db.internal:6432/incidents?sslmode=require")
        #expect(postgres == .postgres(PostgresSettings(host: "db.internal", port: 6432, user: "bot", password: nil,
                                                       database: "incidents", requireTLS: true)))
        #expect(try DatabaseLocation.parse("postgresql://bot@db/incidents") ==
                .postgres(PostgresSettings(host: "db", user: "bot", password: nil, database: "incidents")))
    }

    /// `sslrootcert`: the CA a private server's certificate is checked against, resolved as
    /// the config's other paths are and read at start; named without a mode, TLS is required.
    @Test func aPrivateAuthorityIsNamedBySSLRootCert() throws {
        let folder = try TestConfig.temporaryDirectory()
        try TestCertificates.make(in: folder)
        let resolve = { (path: String) in folder.appendingPathComponent(path).path }
        let named = try DatabaseLocation.parse("postgres://bot@db/incidents?sslrootcert=ca.crt", resolve: resolve)
        #expect(named == .postgres(PostgresSettings(host: "db", user: "bot", password: nil, database: "incidents", requireTLS: true,
                                                    trustRoots: folder.appendingPathComponent("ca.crt").path)))
        #expect("\(named)".hasSuffix("?sslmode=verify-full&sslrootcert=\(folder.path)/ca.crt"))
        let system = try DatabaseLocation.parse("postgres://bot@db/incidents?sslmode=verify-full&sslrootcert=system", resolve: resolve)
        #expect(system == .postgres(PostgresSettings(host: "db", user: "bot", password: nil, database: "incidents", requireTLS: true)))
        // A key is not a certificate: named in the reason, not taken as an empty trust list.
        #expect { try DatabaseLocation.parse("postgres://bot@db/incidents?sslrootcert=server.key", resolve: resolve) } throws: {
            "\($0)".contains("sslrootcert \(folder.path)/server.key: holds no PEM certificate")
        }
    }

    @Test(arguments: [
        ("postgres://bot:hunter2@db/incidents", "carries a password"),
        ("postgres://db/incidents", "names no user"),
        ("postgres://bot@db", "names no database"),
        ("postgres://bot@db:99999/incidents", "port 99999 is not a TCP port"),
        ("postgres://bot@db:0/incidents", "port 0 is not a TCP port"),
        ("postgres://bot@db/incidents?sslmode=prefer", "takes sslmode=verify-full (or require"),
        ("postgres://bot@db/incidents?sslmode=verify-ca", "takes sslmode=verify-full (or require"),
        ("postgres://bot@db/incidents?sslrootcert=", "sslrootcert names no file"),
        ("postgres://bot@db/incidents?sslmode=disable&sslrootcert=/etc/ssl/certs/ca-certificates.crt", "says sslmode=disable"),
        ("postgres://bot@db/incidents?sslrootcert=/nonexistent/ca.pem", "sslrootcert /nonexistent/ca.pem: cannot read the file"),
        ("postgres://bot@db/incidents?password=hunter2", "carries a password"),
        ("postgres://bot@db/incidents?sslpassword=hunter2", "takes only sslmode and sslrootcert"),
        ("mysql://bot@db/incidents", "is sqlite:PATH or postgres://"),
        ("sqlite:", "is sqlite:PATH or postgres://"),
        ("postgres://bot:hunter2#x@db/incidents", "is not a PostgreSQL URL"),
        ("postgres+x://bot:hunter2@db/incidents", "is sqlite:PATH or postgres://"),
        ("postgres://bot%3Ahunter2@db/incidents", "carries a password"),
        ("postgres:bot:hunter2@db/incidents", "with its two slashes"),
        ("PostgreSQL:bot:hunter2@db/incidents", "with its two slashes"),
        // SQLite's own URI, whose `?mode=ro` the bot would not heed: a file of that name was made.
        ("file:bot.sqlite?mode=ro", "is a SQLite URI, which the bot does not take"),
        ("sqlite:file:/var/lib/bot.sqlite", "is a SQLite URI, which the bot does not take"),
    ])
    func badLocationsAreRefusedWithTheReason(text: String, reason: String) {
        do {
            _ = try DatabaseLocation.parse(text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
            #expect(!"\(error)".contains("hunter2"), "the password is in the reason")
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test func thePasswordComesFromTheEnvironmentAndIsNeverShown() throws {
        let location = try DatabaseLocation.parse("postgres://bot@db/incidents").withPassword(from: ["INCIDENT_BOT_DATABASE_PASSWORD": "s3cret"])
        guard case .postgres(let settings) = location else { throw TestTools.Failure("not PostgreSQL") }
        #expect(settings.password?.value == "s3cret")
        #expect(!"\(location)".contains("s3cret") && !String(reflecting: settings).contains("s3cret"))
    }

    /// The configs deploy/ ships load as they are.
    @Test(arguments: ["deploy/kubernetes/incident-bot.yaml.example", "deploy/kubernetes/incident-bot-replicas.yaml.example"])
    func theDeployConfigsLoad(file: String) throws {
        let path = TestConfig.repository.appendingPathComponent(file).path
        let config = try BotConfig.load(path: path)
        if file.contains("replicas") {
            guard case .postgres = config.database.location else { throw TestTools.Failure("\(file) is not on PostgreSQL") }
            #expect(config.database.takeover == .seconds(10))
        }
    }

    @Test func takeoverIsBounded() {
        #expect(throws: (any Error).self) { try BotConfig.parse("database:\n  takeover: 1s\n", file: "bot.yaml") }
        #expect(throws: (any Error).self) { try BotConfig.parse("database:\n  takeover: 1h\n", file: "bot.yaml") }
        #expect(throws: (any Error).self) { try BotConfig.parse("database:\n  url: postgres://bot:pw@db/x\n", file: "bot.yaml") }
    }
}

/// The console keeps to SQLite: on a database replicas share, its own scheduler and delivery
/// would send beside their leader.
@Suite struct ConsoleDatabaseTests {
    @Test func theConsoleRefusesPostgreSQL() async throws {
        let result = try await BotProcess.run(["console", "--config", BotProcess.config, "--db", "postgres://bot@127.0.0.1:1/incidents"],
                                        input: ":quit\n")
        #expect(result.status == 1)
        #expect(result.stderr == "incident-bot: the console runs on a SQLite file of its own (--db PATH); postgres://bot@127.0.0.1:1/incidents is for serve replicas\n")
    }

    /// A database that cannot be reached is named with what the connection met, on one line,
    /// not the library's nested error.
    @Test func anUnreachableDatabaseSaysWhy() async throws {
        let result = try await BotProcess.run(["export", "INC-1", "--config", BotProcess.config, "--db", "postgres://bot@127.0.0.1:1/incidents"])
        #expect(result.status == 1)
        #expect(result.stderr.hasSuffix("cannot connect to postgres://bot@127.0.0.1:1/incidents: connectionError (connection refused at 127.0.0.1:1)\n"),
                "\(result.stderr)")
    }
}

/// `serve` with `--db` and a `database.url` naming another database: refused with both named,
/// instead of `--db` silently winning (replicas configured for PostgreSQL but started with the
/// image's `--db` each led a SQLite file of their own). The same database named twice serves.
@Suite struct ServeDatabaseChoiceTests {
    @Test func serveRefusesTwoDifferentDatabases() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let config = try ConsoleTranscriptTests.slackConfig(in: folder, more: "database:\n  url: postgres://bot@127.0.0.1:1/incidents\n")
        let db = folder.appendingPathComponent("s.sqlite").path
        let result = try await BotProcess.run(["serve", "--config", config.path, "--db", db])
        #expect(result.status == 1)
        #expect(result.stderr == "incident-bot: --db names \(db) but database.url in \(config.path) names postgres://bot@127.0.0.1:1/incidents; "
                + "serve one database: remove --db (the Docker image, the systemd unit and the single-replica Kubernetes example pass it) or database.url\n")
        // check-config says so, as it says what else serve would refuse.
        let check = try await BotProcess.run(["check-config", "--config", config.path, "--db", db])
        #expect(check.stdout.contains("warning: serve would refuse to start with this database: --db names \(db) but database.url"), "\(check.stdout)")
        let password = try await BotProcess.run(["check-config", "--config", BotProcess.config, "--db", "postgres://bot:pw@127.0.0.1:1/incidents"])
        #expect(password.stdout.contains("warning: serve would refuse to start with this database: the database URL carries a password"),
                "\(password.stdout)")
        // Another command reads what --db names: an export of a backup beside a PostgreSQL config.
        let export = try await BotProcess.run(["export", "INC-1", "--config", config.path, "--db", db])
        #expect(!export.stderr.contains("database.url"), "\(export.stderr)")
    }
}

extension ServeDatabaseChoiceTests {
    /// One file named two ways is one database: relative and absolute, through a symlinked
    /// folder (also before the file is made), and PostgreSQL asked with or without TLS.
    @Test func oneDatabaseNamedTwoWaysIsTheSame() throws {
        let folder = try TestConfig.temporaryDirectory()
        let link = folder.deletingLastPathComponent().appendingPathComponent("link-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: folder)
        defer { try? FileManager.default.removeItem(at: link) }
        let real = DatabaseLocation.sqlite(path: folder.appendingPathComponent("bot.sqlite").path)
        let linked = DatabaseLocation.sqlite(path: link.appendingPathComponent("bot.sqlite").path)
        #expect(real.isSame(as: linked))
        try Data().write(to: folder.appendingPathComponent("bot.sqlite"))
        #expect(real.isSame(as: linked))
        #expect(!real.isSame(as: .sqlite(path: folder.appendingPathComponent("other.sqlite").path)))
        let plain = try DatabaseLocation.parse("postgres://bot@DB.example.org:5432/incidents")
        #expect(plain.isSame(as: try DatabaseLocation.parse("postgres://bot@db.example.org:5432/incidents?sslmode=require")))
        #expect(!plain.isSame(as: try DatabaseLocation.parse("postgres://bot@db.example.org:5432/staging")))
        #expect(!plain.isSame(as: real))
    }
}
