import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy

/// `config/incident-bot.yaml`: where the policy and roster are, and how the bot runs.
/// Paths in it are relative to the file's own folder.
public struct BotConfig: Sendable {
    public var file: String
    public var policyPath: String
    /// nil: no roster configured (the console falls back to the example roster).
    public var rosterPath: String?
    public var logLevel: String
    public var seenRetention: Duration
    /// The room each platform posts declarations and status updates to.
    public var broadcastRooms: [Platform: String]
    public var retry: RetrySettings
    /// Platforms switched on in the config (the console is never listed: it is a subcommand).
    public var enabledPlatforms: [Platform]

    public struct RetrySettings: Sendable {
        public var base: Duration
        public var ceiling: Duration
        public var pageAttemptsBeforeFailover: Int
    }

    static let rootKeys = ["policy", "roster", "log_level", "seen_retention", "broadcast", "delivery", "slack", "matrix"]
    static let deliveryKeys = ["retry_base", "retry_ceiling", "page_attempts_before_failover"]
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads and checks the config at `path`; errors name the file, the line and the reason.
    public static func load(path: String) throws(ConfigError) -> BotConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: 0, reason: "cannot read the file (\(Self.reason(error)))")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> BotConfig {
        let root = try ConfigNode.parse(text, file: file).mapping(keys: rootKeys)
        let folder = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
        }
        var config = BotConfig(file: file, policyPath: resolve("policy.yaml"), rosterPath: nil, logLevel: "info",
                               seenRetention: .days(7), broadcastRooms: [.console: "incidents"],
                               retry: RetrySettings(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4),
                               enabledPlatforms: [])
        if let node = root.optional("policy") { config.policyPath = resolve(try node.string()) }
        if let node = root.optional("roster") { config.rosterPath = resolve(try node.string()) }
        if let node = root.optional("log_level") {
            let level = try node.string().lowercased()
            guard logLevels.contains(level) else { throw node.error("expected one of \(logLevels.joined(separator: ", "))") }
            config.logLevel = level
        }
        if let node = root.optional("seen_retention") { config.seenRetention = try node.duration()! }
        if let node = root.optional("broadcast") {
            for (key, value) in try node.mapping(keys: Platform.allCases.map(\.rawValue)).entries {
                config.broadcastRooms[Platform(rawValue: key)!] = try value.string()
            }
        }
        if let node = root.optional("delivery") {
            let map = try node.mapping(keys: deliveryKeys)
            if let value = map.optional("retry_base") { config.retry.base = try value.duration()! }
            if let value = map.optional("retry_ceiling") { config.retry.ceiling = try value.duration()! }
            if let value = map.optional("page_attempts_before_failover") {
                config.retry.pageAttemptsBeforeFailover = try value.int(min: 1)
            }
        }
        for platform in [Platform.slack, .matrix] {
            guard let node = root.optional(platform.rawValue) else { continue }
            let map = try node.mapping(keys: ["enabled"])
            if let enabled = map.optional("enabled"), try enabled.bool() {
                throw enabled.error("\(platform) is not available in this version of incident-bot yet; use incident-bot console")
            }
        }
        return config
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}

/// The policy and roster a config names, loaded and checked against each other.
public struct LoadedConfig: Sendable {
    public var config: BotConfig
    public var policy: Policy
    public var roster: Roster
    /// The roster file actually read.
    public var rosterPath: String
    /// True when no roster is configured and the example roster stands in.
    public var rosterIsExample: Bool

    /// Loads everything `config` names. With no roster configured, `exampleRoster` (the demo
    /// people) is used when allowed, else it is an error.
    public static func load(_ config: BotConfig, allowExampleRoster: Bool) throws(ConfigError) -> LoadedConfig {
        let policy = try Policy.load(yaml: try read(config.policyPath), file: config.policyPath)
        let rosterPath: String
        let isExample: Bool
        if let configured = config.rosterPath {
            rosterPath = configured
            isExample = false
        } else if allowExampleRoster {
            rosterPath = ((config.policyPath as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent("roster.example.yaml")
            isExample = true
        } else {
            throw ConfigError(file: config.file, line: 1,
                              reason: "no roster: set roster: to your roster file (config/roster.example.yaml shows the form)")
        }
        let roster = try Roster.load(yaml: try read(rosterPath), file: rosterPath, policy: policy)
        return LoadedConfig(config: config, policy: policy, roster: roster, rosterPath: rosterPath, rosterIsExample: isExample)
    }

    static func read(_ path: String) throws(ConfigError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: 0, reason: "cannot read the file (\(BotConfig.reason(error)))")
        }
    }

    public func engineSettings(platforms: Set<Platform>) -> EngineSettings {
        EngineSettings(policy: policy, roster: roster, platforms: platforms, broadcastRooms: config.broadcastRooms,
                       seenRetention: config.seenRetention)
    }
}
