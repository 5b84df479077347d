import ArgumentParser
import Foundation
import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentSQLite
import Logging

struct Console: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the bot at this terminal: type `[#room] user: text` lines as the roster's people.")

    @OptionGroup var options: CommonOptions

    @Option(help: "live: the real clock; manual: a clock that moves only with :advance (drills, demos, tests).")
    var clock: ClockKind = .live

    @Option(help: "With --clock manual, the time the drill starts at, like 2026-11-22T10:00:00Z.")
    var start: String?

    enum ClockKind: String, ExpressibleByArgument, CaseIterable {
        case live, manual
    }

    func run() async throws {
        do {
            let startInstant: Timestamp?
            switch (clock, start) {
            case (.live, nil): startInstant = nil
            case (.live, .some): throw Failure("--start needs --clock manual", usage: true)
            case (.manual, nil): throw Failure("--clock manual needs --start, like --start 2026-11-22T10:00:00Z", usage: true)
            case (.manual, .some(let text)):
                guard let instant = Timestamp(iso8601: text) else {
                    throw Failure("--start “\(text)” is not a time like 2026-11-22T10:00:00Z", usage: true)
                }
                startInstant = instant
            }
            let loaded = try options.load(allowExampleRoster: true)
            let logger = try options.logger(loaded, default: "warning")
            if loaded.rosterIsExample {
                logger.notice("no roster configured; the console uses the example roster", metadata: ["roster": "\(loaded.rosterPath)"])
            }
            let location = try options.location()
            guard case .sqlite = location else {
                // Its scheduler and delivery would run beside the replicas' leader, sending what it sends.
                throw Failure("the console runs on a SQLite file of its own (--db PATH); \(location) is for serve replicas")
            }
            let store = try options.lockedStore(location, logger: logger)
            try await BotCommands.console(loaded: loaded, store: store, start: startInstant, output: .standardOutput,
                                          lines: StandardInput.lines(),
                                          batch: StandardInput.linesPerTransaction, logger: logger)
        } catch {
            Self.fail(error)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve every chat platform enabled in the config, with the scheduler and delivery, until SIGTERM or SIGINT.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        do {
            let config = try options.botConfig()
            let logger = try options.logger(config)
            let loaded: LoadedConfig
            let location: DatabaseLocation
            do {
                // A policy or roster an edit broke is the likeliest refusal of all.
                loaded = try options.load(config, allowExampleRoster: false)
                location = try options.location(serving: true).asReplica(filesDigest: loaded.filesDigest)
            } catch let failure as Failure {
                refused(failure.description, config, logger)
                throw failure
            }
            do {
                try await BotCommands.serve(loaded: loaded, location: location, environment: ProcessInfo.processInfo.environment,
                                            metrics: PrometheusExport.bootstrap(), logger: logger) {
                    try options.lockedStore(location, logger: logger)
                }
            } catch let error as StartupError {
                refused(error.description, config, logger)
                throw Failure(error.description)
            } catch let failure as Failure {
                refused(failure.description, config, logger)
                throw failure
            }
        } catch {
            Self.fail(error)
        }
    }
}

extension Serve {
    /// With `log_format: json`, a refused start is logged as JSON too, so a log pipeline reads
    /// why the service does not come up; the last line (`incident-bot: <reason>`) says it to
    /// whoever started it by hand, which in text is the log line already.
    func refused(_ reason: String, _ config: BotConfig, _ logger: Logger) {
        guard config.logFormat == .json else { return }
        logger.error("refused to start", metadata: ["reason": "\(reason)"])
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the config, policy and roster; print the policy in force and who is on duty now.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        do {
            let loaded = try options.load(allowExampleRoster: true)
            print(EffectivePolicy.text(loaded, now: LiveClock().now), terminator: "")
            // The database as serve would take it: a --db it would refuse is said here too.
            let location: DatabaseLocation?
            do {
                location = try options.location(serving: true)
            } catch {
                location = nil
                print("warning: serve would refuse to start with this database: \(error)")
            }
            let tokenFile = location.map { $0.companionFile(.matrixToken) } ?? "matrix-token"
            let linkSecretFile = location.map { $0.companionFile(.linkSecret) } ?? "link-secret"
            for refusal in EffectivePolicy.serveRefusals(loaded, environment: ProcessInfo.processInfo.environment, tokenFile: tokenFile,
                                                         linkSecretFile: linkSecretFile) {
                print(refusal)
            }
            // A --db named to be checked and not there (a typo in its path) is said: silence
            // read as "nothing the edit strands", and serve would start an empty one there.
            if options.db != nil, case .sqlite(let path)? = location, !FileManager.default.fileExists(atPath: path) {
                print("warning: no database at \(path), so no open incident was checked; serve would start an empty one there")
            }
            // What this config would do to the incidents open in the database, before a restart
            // does it: a level dropped, a person renamed. Nothing to say when there is none yet.
            if case .sqlite(let path)? = location, FileManager.default.fileExists(atPath: path), let location {
                do {
                    let store = try options.openStore(location, mustExist: true, readOnly: true)
                    let open = try await store.read { try $0.openIncidents() }
                    for warning in PolicyDrift.warnings(open: open.map(\.incident), policy: loaded.policy, roster: loaded.roster)
                        + UnservedHomes.warnings(open: open, served: Set(loaded.config.enabledPlatforms)) {
                        print("warning: \(warning)")
                    }
                } catch {
                    print("warning: cannot read the open incidents in \(location): \(error)")
                }
            }
        } catch {
            Self.fail(error)
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an incident's record and post-mortem draft.")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The incident, as INC-42 or its room name.")
    var incident: String

    @Option(help: "The output format; markdown is the one there is.")
    var format: Format = .markdown

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown
    }

    func run() async throws {
        do {
            guard let ref = IncidentRef(parsing: incident) else {
                throw Failure("“\(incident)” names no incident; use INC-42 or #incident-20261122-db-outage")
            }
            let location = try options.location()
            let store = try options.openStore(location, mustExist: true, readOnly: true)
            let found = try await store.read { records -> (StoredIncident, [TimelineEntry], String?)? in
                let stored: StoredIncident? = switch ref {
                case .number(let number): try records.incident(number)
                case .room(let name): try records.incident(roomName: name)
                }
                guard let stored else { return nil }
                return (stored, try records.timeline(incident: stored.incident.number),
                        try records.renamedRoom(stored.home, asked: stored.incident.room))
            }
            guard let (stored, timeline, madeAs) = found else { throw Failure("there is no \(ref) in \(location)") }
            print(IncidentExport.markdown(stored, timeline: timeline, roomMadeAs: madeAs, now: LiveClock().now), terminator: "")
        } catch let failure as Failure {
            Self.fail(failure)
        } catch where error is UnreadableRow || error is DecodingError {
            Self.fail(Failure("\(incident) cannot be read by this version of incident-bot (a newer version wrote it, or it is damaged)"))
        } catch {
            Self.fail(error)
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Counts by severity, time to acknowledge, mitigate and resolve, update punctuality, ladder reach.")

    @OptionGroup var options: CommonOptions

    // Taken whatever it starts with: `--since -5d` was read as an unknown option, a three-line
    // usage error instead of the one-line reason below.
    @Option(parsing: .unconditional, help: "How far back to look, like 30d, 1w or 12h.")
    var since = "30d"

    func run() async throws {
        do {
            if since.hasPrefix("-") {
                throw Failure("--since is how far back to look from now: write \(since.drop { $0 == "-" }), not “\(since)”", usage: true)
            }
            guard let span = DurationText.parse(since) else {
                // Numbers each with a unit: too long (10000000d), or a slip (30m30m, 30m1h);
                // anything else (30dd, d30) is no duration.
                let reason = switch DurationText.slip(since) {
                case .tooLarge: "--since is at most 100 years (36525d), not “\(since)”"
                case .unitOrder: "--since “\(since)” writes a unit twice or a smaller one before a larger; write each once, the larger first, as 1d12h"
                case nil: "--since “\(since)” is not a duration like 30d, 1w or 12h" + DurationText.capitalMHint(since)
                }
                throw Failure(reason, usage: true)
            }
            guard span > .zero else { throw Failure("--since \(since) spans nothing; give a duration like 30d, 1w or 12h", usage: true) }
            // Past a century it reaches before the bot and its dates, printed, before year 1.
            guard span <= .days(36_525) else { throw Failure("--since is at most 100 years (36525d), not “\(since)”", usage: true) }
            let loaded = try options.load(allowExampleRoster: true)
            let store = try options.openStore(try options.location(), mustExist: true, readOnly: true)
            let now = LiveClock().now
            let from = now - span
            // An incident or a timeline this version cannot read is counted and named, not
            // silently left out of the figures, and does not fail the whole report.
            let (incidents, unreadable, unclosed) = try await store.read { records in
                let list = try records.incidents(declaredSince: from)
                var read: [(StoredIncident, [TimelineEntry])] = []
                var unreadable = list.unreadable
                for stored in list.readable {
                    do {
                        read.append((stored, try records.timeline(incident: stored.incident.number)))
                    } catch is UnreadableRow {
                        unreadable.append(stored.incident.number)
                    }
                }
                // Overdue action items come from every incident not closed, whenever declared.
                return (read, unreadable.sorted(), try records.openIncidents())
            }
            let report = IncidentReport(incidents: incidents, since: from, now: now, unreadable: unreadable, unclosed: unclosed)
            print(report.text(zone: loaded.policy.timeZone), terminator: "")
        } catch {
            Self.fail(error)
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to a new file, consistently, while the bot may be running (SQLite's online backup).")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The new file to write; it must not exist yet.")
    var file: String

    func run() async throws {
        do {
            let location = try options.location()
            guard case .sqlite(let path) = location else {
                throw Failure("\(location) is PostgreSQL: back it up with pg_dump (see docs/operations.md)")
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw Failure("no database at \(path); pass --db with the bot's database file")
            }
            do {
                let keptBeside = Dictionary(uniqueKeysWithValues: DatabaseLocation.Companion.allCases.map { ($0.rawValue, $0.name) })
                try SQLiteStore.backup(databaseAt: path, to: file, keptBeside: keptBeside, at: LiveClock().now)
            } catch {
                throw Failure("cannot back up \(path) to \(file): \(error)")
            }
            print("backed up \(path) to \(file)")
        } catch {
            Self.fail(error)
        }
    }
}
