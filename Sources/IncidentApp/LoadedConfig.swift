import Crypto
import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentWire

/// The policy and roster a config names, loaded and checked against each other.
public struct LoadedConfig: Sendable {
    public var config: BotConfig
    public var policy: Policy
    public var roster: Roster
    /// The roster file actually read.
    public var rosterPath: String
    /// True when no roster is configured and the example roster stands in.
    public var rosterIsExample: Bool
    /// The SHA-256 of the policy and roster files' bytes, in hex: what replicas compare to
    /// find one started on other files (`ReplicaFilesCheck`).
    public var filesDigest: String

    /// Loads everything `config` names. With no roster configured, `exampleRoster` (the demo
    /// people) is used when allowed, else it is an error.
    public static func load(_ config: BotConfig, allowExampleRoster: Bool) throws(ConfigError) -> LoadedConfig {
        let policyText = try read(config.policyPath, namedBy: config, at: config.policyLine, as: "policy")
        let policy = try ConfigReadingLimit.read(config.policyPath) { () throws(ConfigError) in
            try Policy.load(yaml: policyText, file: config.policyPath)
        }
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
        let rosterText = try read(rosterPath, namedBy: config, at: isExample ? nil : config.rosterLine, as: "roster")
        let roster = try ConfigReadingLimit.read(rosterPath) { () throws(ConfigError) in
            try Roster.load(yaml: rosterText, file: rosterPath, policy: policy)
        }
        return LoadedConfig(config: config, policy: policy, roster: roster, rosterPath: rosterPath, rosterIsExample: isExample,
                            filesDigest: filesDigest(policy: policyText, roster: rosterText))
    }

    /// The digest of the two files' bytes, each after its length, so no two pairs of files
    /// hash the same input.
    static func filesDigest(policy: String, roster: String) -> String {
        var hash = SHA256()
        for text in [policy, roster] {
            hash.update(data: Data("\(text.utf8.count):".utf8))
            hash.update(data: Data(text.utf8))
        }
        return Hex.string(hash.finalize())
    }

    /// The text of the file at `path`, which `config` names at `line` as its `key` (nil: a
    /// default, named nowhere): a file that cannot be read is reported at that line of the
    /// config, where the fix is.
    static func read(_ path: String, namedBy config: BotConfig, at line: Int?, as key: String) throws(ConfigError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = "cannot read the file (\(BotConfig.reason(error, path: path)))"
            guard let line else { throw ConfigError(file: path, line: 0, reason: reason) }
            throw ConfigError(file: config.file, line: line, reason: "\(key): \(path): \(reason)")
        }
    }

    public func engineSettings(platforms: Set<Platform>, pagers: Set<ContactMethod> = [], community: Community) -> EngineSettings {
        EngineSettings(policy: policy, roster: roster, platforms: platforms, pagers: pagers, broadcastRooms: config.broadcastRooms,
                       seenRetention: config.seenRetention, mirror: config.mirror, community: community,
                       commandsPerMinute: config.commandsPerMinute)
    }
}
