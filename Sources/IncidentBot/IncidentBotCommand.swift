import ArgumentParser
import Foundation
import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentSQLite
import Logging

@main
struct IncidentBotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident-bot",
        abstract: "Chat-ops incident response: war rooms, status-update nudges and escalation ladders.",
        version: BotVersion.current,
        subcommands: [Console.self, Serve.self, CheckConfig.self, Export.self, Report.self, Outbox.self, Backup.self])
}

/// The options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "The bot's config file; the policy and roster paths in it are relative to its folder.")
    var config = "config/incident-bot.yaml"

    @Option(help: "The SQLite database file; created on first use.")
    var db = "./incident-bot.sqlite"

    @Option(help: "Log level on standard error: trace, debug, info, notice, warning, error, critical (default: the config's).")
    var logLevel: String?

    /// Loads the config, policy and roster, or exits 1 with `file:line: reason`.
    func load(allowExampleRoster: Bool) throws -> LoadedConfig {
        do {
            return try LoadedConfig.load(try BotConfig.load(path: config), allowExampleRoster: allowExampleRoster)
        } catch {
            throw Failure(error.description)
        }
    }

    /// The one root logger, to standard error.
    func logger(_ loaded: LoadedConfig, default fallback: String? = nil) -> Logger {
        let name = logLevel ?? fallback ?? loaded.config.logLevel
        let level = Logger.Level(rawValue: name) ?? .info
        let json = loaded.config.logFormat == .json
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "incident-bot")
    }

    /// Takes the database for this process alone (`serve`, `console`).
    func lockDatabase() throws {
        do {
            try DatabaseLock.acquire(db)
        } catch let error as StartupError {
            throw Failure(error.description)
        }
    }

    func openStore(mustExist: Bool) throws -> SQLiteStore {
        if mustExist, !FileManager.default.fileExists(atPath: db) {
            throw Failure("no database at \(db); pass --db with the bot's database file")
        }
        do {
            return try BotCommands.openStore(db)
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// A one-line reason on standard error and exit status 1.
struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Prints `error` as one line and exits 1; argument errors keep ArgumentParser's usage text.
    static func fail(_ error: any Error) -> Never {
        if let failure = error as? Failure {
            FileHandle.standardError.write(Data("incident-bot: \(failure.description)\n".utf8))
            Foundation.exit(1)
        }
        exit(withError: error)
    }
}
