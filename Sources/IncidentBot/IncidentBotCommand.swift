import ArgumentParser
import Foundation
import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentSQLite
import IncidentWire
import Logging

@main
struct IncidentBotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident-bot",
        abstract: "Chat-ops incident response: war rooms, status-update nudges and escalation ladders.",
        version: BotVersion.withSchemas,
        subcommands: [Console.self, Serve.self, CheckConfig.self, Export.self, Report.self, Outbox.self, Backup.self])
}

/// The options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "The bot's config file; the policy and roster paths in it are relative to its folder.")
    var config = "config/incident-bot.yaml"

    @Option(help: "The database: a SQLite file (default ./incident-bot.sqlite, or the config's database.url; serve and console make it on first use; export, report, outbox and backup need it to exist) or, except for the console, postgres://USER@HOST:PORT/NAME, its password in INCIDENT_BOT_DATABASE_PASSWORD.")
    var db: String?

    @Option(help: "Log level on standard error: trace, debug, info, notice, warning, error, critical (default: the config's).")
    var logLevel: String?

    /// Loads the config, policy and roster, or exits 1 with `file:line: reason`. A
    /// `--log-level` that is no level is refused here and in `location`, which every command
    /// calls, whether or not it logs.
    func load(allowExampleRoster: Bool) throws -> LoadedConfig {
        try load(try botConfig(), allowExampleRoster: allowExampleRoster)
    }

    /// The config file alone: how to log is known before the policy and roster are read.
    func botConfig() throws -> BotConfig {
        try checkLogLevel()
        do {
            return try BotConfig.load(path: config)
        } catch {
            throw Failure(error.description)
        }
    }

    /// The policy and the roster `config` names.
    func load(_ config: BotConfig, allowExampleRoster: Bool) throws -> LoadedConfig {
        do {
            return try LoadedConfig.load(config, allowExampleRoster: allowExampleRoster)
        } catch {
            throw Failure(error.description)
        }
    }

    /// The one root logger, to standard error. A `--log-level` that is no level is refused, as
    /// the config's `log_level` is: `debg` must not quietly log at info.
    func logger(_ loaded: LoadedConfig, default fallback: String? = nil) throws -> Logger {
        try logger(loaded.config, default: fallback)
    }

    func logger(_ config: BotConfig, default fallback: String? = nil) throws -> Logger {
        let level = try Self.level(logLevel ?? fallback ?? config.logLevel)
        let json = config.logFormat == .json
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = TextLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "incident-bot")
    }

    /// A `--log-level` given is a level, whether or not the command logs.
    func checkLogLevel() throws {
        if let logLevel { _ = try Self.level(logLevel) }
    }

    static func level(_ name: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw Failure("--log-level \(name.lowercased()) is not a level: trace, debug, info, notice, warning, error or critical", usage: true)
        }
        return level
    }

    /// Where the database is: `--db`, else the config's `database.url` (when the config file
    /// exists), else `./incident-bot.sqlite`; with its password from the environment.
    /// `serving`: `--db` and a `database.url` naming another database are refused, not one
    /// chosen over the other: replicas configured for PostgreSQL but started with the image's
    /// `--db` would each lead a SQLite file of their own, and page twice.
    func location(serving: Bool = false) throws -> DatabaseLocation {
        try checkLogLevel()
        let environment = ProcessInfo.processInfo.environment
        do {
            // With --db the config is read here only by serve: export, backup and the outbox's
            // retry and drop are recovery tools, which a config that no longer loads must not
            // stop (the outbox's listing reads it for its time zone, as report does).
            let configured = (db == nil || serving) && FileManager.default.fileExists(atPath: config)
                ? try BotConfig.load(path: config).database.location : nil
            if let db {
                let given = try DatabaseLocation.parse(db)
                if serving, let configured, !given.isSame(as: configured) {
                    throw Failure("--db names \(given) but database.url in \(config) names \(configured); serve one database: "
                                  + "remove --db (the Docker image, the systemd unit and the single-replica Kubernetes example pass it) or database.url")
                }
                return try given.withPassword(from: environment)
            }
            if let configured { return try configured.withPassword(from: environment) }
            return .sqlite(path: "./incident-bot.sqlite")
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("\(error)")
        }
    }

    /// Takes a SQLite database for this process alone (`serve`, `console`); PostgreSQL is
    /// shared by design, its replicas coordinated by the leader's lease.
    func lockDatabase(_ location: DatabaseLocation) throws {
        guard case .sqlite(let path) = location else { return }
        do {
            try DatabaseLock.acquire(path)
        } catch let error as StartupError {
            throw Failure(error.description)
        }
    }

    /// Takes the database for this process alone and opens it (`serve`, `console`); one it
    /// cannot open after all is let go again, as it was found.
    func lockedStore(_ location: DatabaseLocation, logger: Logger) throws -> any IncidentStore {
        try lockDatabase(location)
        do {
            return try openStore(location, mustExist: false, logger: logger)
        } catch {
            if case .sqlite(let path) = location { DatabaseLock.release(path) }
            throw error
        }
    }

    /// Opens the store; `mustExist`: a SQLite file that is not there is an error, not a new
    /// database (the read-only subcommands).
    /// `readOnly`: the commands that only read (report, export, outbox listings) change nothing
    /// in the file, not even its mode, and work on one they may not write.
    func openStore(_ location: DatabaseLocation, mustExist: Bool, readOnly: Bool = false,
                   logger: Logger = Logger(label: "incident-bot")) throws -> any IncidentStore {
        if mustExist, case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw Failure("no database at \(path); pass --db with the bot's database file")
        }
        do {
            // The commands that need an existing database (export, report, outbox, backup) never
            // migrate it: the bot that runs on it does.
            return try BotCommands.openStore(location, migrate: !mustExist, readOnly: readOnly, logger: logger)
        } catch {
            throw Failure("\(error)")
        }
    }

    /// The outbox item with `key` and its state, read without opening the database for
    /// writing: `outbox retry` and `drop` of a key that matches nothing to do (a typo, an item
    /// delivered or withdrawn) change nothing in the file, not even its mode.
    func outboxItem(_ key: String) async throws -> (item: OutboxItem, state: OutboxItem.State)? {
        guard !key.isEmpty else { throw Failure("give the item's key, as `incident-bot outbox` lists it") }
        let store = try openStore(try location(), mustExist: true, readOnly: true)
        return try await store.read { try $0.outboxItemWithState(key: key) }
    }
}

/// A one-line reason on standard error and exit status 1.
struct Failure: Error, CustomStringConvertible {
    var description: String
    /// A value on the command line that is no value of its option (`--log-level verbose`,
    /// `--since 2y`): exit status 64, as for a command line that does not parse, so a script
    /// tells it from a failure of the run.
    var isUsage = false
    init(_ description: String, usage: Bool = false) {
        self.description = description
        self.isUsage = usage
    }
}

extension ParsableCommand {
    /// Prints `error` as one line and exits 1; argument errors keep ArgumentParser's usage text.
    static func fail(_ error: any Error) -> Never {
        if let failure = error as? Failure {
            // One line, whatever it quotes: a key or a reason typed with terminal escapes shows
            // as text instead of acting, and one of 100 KB is cut at 2,000 bytes.
            let line = "incident-bot: \(failure.description)".escapedToOneLine.clipped(to: 2_000, in: .utf8)
            FileHandle.standardError.write(Data((line + "\n").utf8))
            Foundation.exit(failure.isUsage ? ExitCode.validationFailure.rawValue : 1)
        }
        exit(withError: error)
    }
}
