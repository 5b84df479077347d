import Foundation
import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentPolicy
import IncidentSlack

/// `config/incident-bot.yaml`: where the policy and roster are, and how the bot runs.
/// Paths in it are relative to the file's own folder.
public struct BotConfig: Sendable {
    public var file: String
    public var policyPath: String
    /// nil: no roster configured (the console falls back to the example roster).
    public var rosterPath: String?
    /// The lines of the config that name the policy and the roster (nil: not named there), so
    /// that a file they name that cannot be read is pointed at where it is named.
    public var policyLine: Int?
    public var rosterLine: Int?
    public var logLevel: String
    /// `text` (the default) or `json`: one JSON object a line.
    public var logFormat: LogFormat = .text

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }
    public var seenRetention: Duration
    /// The room each platform posts declarations and status updates to.
    public var broadcastRooms: [Platform: String]
    public var retry: DeliveryRetry
    /// Platforms switched on in the config (the console is never listed: it is a subcommand).
    public var enabledPlatforms: [Platform]
    public var http: HTTPSettings
    /// The admin listener (`admin:`): health, readiness and metrics.
    public var admin = AdminSettings()
    /// Where state is kept and how replicas share it (`database:`).
    public var database = DatabaseSettings()
    public var slack: SlackSettings
    public var matrix: MatrixSettings
    public var paging: PagingSettings
    /// Every incident gets a room on each chat platform served (Slack and Matrix), with its
    /// room posts on both; commands work in either room.
    public var mirror: Bool
    /// Commands one person may send in a minute before being told to slow down.
    public var commandsPerMinute = 30

    /// The `slack:` section. Tokens and the signing secret are not here: they come from the
    /// environment (`SLACK_BOT_TOKEN`, `SLACK_SIGNING_SECRET`, `SLACK_APP_TOKEN`, or `_FILE`).
    public struct SlackSettings: Sendable {
        /// Where on the HTTP listener (`http:`) Slack's requests come.
        public var path = "/slack/events"
        public var apiURL = "https://slack.com/api"
        /// Team (`T...`) and Enterprise Grid (`E...`) ids served; empty: the bot's own team.
        public var allowedTeams: [String] = []
        /// The reaction that puts a message on the incident's timeline, by its Slack name;
        /// empty: only pins do.
        public var timelineReaction = SlackGateway<LiveClock>.defaultTimelineReaction
    }

    /// The `matrix:` section. The access token or password is not here: it comes from the
    /// environment (`MATRIX_ACCESS_TOKEN`, or `MATRIX_USER` and `MATRIX_PASSWORD`, or `_FILE`).
    public struct MatrixSettings: Sendable {
        /// nil until configured; `MATRIX_HOMESERVER` overrides it.
        public var homeserver: String?
        /// Matrix ids or server names whose invitations the bot accepts; empty: its own server.
        public var allowInvitesFrom: [String] = []
        /// Matrix ids or server names whose commands the bot takes, and who may be named IC or
        /// given a role; empty: its own server.
        public var allowCommandsFrom: [String] = []
        public var syncTimeout = MatrixSync<LiveClock>.Settings().timeout
        /// The reaction (an emoji, as Matrix clients send it) that puts a message on the
        /// incident's timeline; empty: none does.
        public var timelineReaction = MatrixSync<LiveClock>.Settings().timelineReaction
    }

    static let slackKeys = ["enabled", "path", "api_url", "allowed_teams", "timeline_reaction"]
    /// Slack's keys that moved to `http:` when one listener came to serve Slack and the
    /// acknowledge pages: refused with where they went.
    static let movedSlackKeys = ["listen", "max_body", "read_timeout"]
    static let matrixKeys = ["enabled", "homeserver", "allow_invites_from", "allow_commands_from", "sync_timeout", "timeline_reaction"]
    /// Why `room` cannot name a Matrix room: a room id (`!opaque`, with `:server` before room
    /// version 12) or an alias with its server (`#incidents:example.org`). nil: it can.
    static func matrixRoomRefusal(_ room: String) -> String? {
        let shape = "a room id (!…) or an alias with its server, like #incidents:example.org"
        guard !room.contains(where: \.isWhitespace) else { return "must be \(shape), with no spaces" }
        if room.hasPrefix("!") { return MatrixFormat.isRoomID(room) && room.count > 1 ? nil : "must be \(shape), not “\(room.prefix(80))”" }
        if room.hasPrefix("#"), let colon = room.firstIndex(of: ":"), colon > room.index(after: room.startIndex),
           room.index(after: colon) < room.endIndex {
            return nil
        }
        return room.hasPrefix("#") ? "must be an alias with its server, like \(room):example.org, not “\(room.prefix(80))”"
            : "must be \(shape), not “\(room.prefix(80))”"
    }

    static let rootKeys = ["policy", "roster", "log_level", "log_format", "seen_retention", "commands_per_minute", "broadcast", "delivery", "mirror",
                           "http", "admin", "database", "slack", "matrix", "paging"]
    static let deliveryKeys = ["retry_base", "retry_ceiling", "page_attempts_before_failover", "give_up_after"]
    /// The shortest `seen_retention` allowed: well past Slack's retries (up to 5 minutes apart)
    /// and its 5-minute signature window.
    static let minimumSeenRetention: Duration = .hours(1)
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads and checks the config at `path`; errors name the file, the line and the reason.
    public static func load(path: String) throws(ConfigError) -> BotConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: 0, reason: "cannot read the file (\(Self.reason(error, path: path)))")
        }
        return try ConfigReadingLimit.read(path) { () throws(ConfigError) in try parse(text, file: path) }
    }

    /// A list of Matrix ids (`@alice:example.org`) and server names (`example.org`).
    static func matrixAccounts(_ list: ConfigNode, _ key: String) throws(ConfigError) -> [String] {
        try list.list().map { (item) throws(ConfigError) in
            let text = try item.string()
            // A list that matches nobody serves only the roster, with no word of why: a
            // wildcard or a URL is refused by name.
            if text.contains("*") {
                throw item.error("\(key) has no wildcards: a server name (example.org) takes every account on it, not “\(text)”")
            }
            if text.contains("://") {
                throw item.error("\(key) lists server names (example.org), not URLs like “\(text)”")
            }
            guard text.hasPrefix("@") ? MatrixName.isUserID(Substring(text), historical: true) : MatrixName.isServerName(Substring(text)) else {
                throw item.error("\(key) lists Matrix ids (@alice:example.org) or server names (example.org), not “\(text)”")
            }
            return text
        }
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> BotConfig {
        let root = try ConfigNode.parse(text, file: file).mapping(keys: rootKeys)
        let folder = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
        }
        var config = BotConfig(file: file, policyPath: resolve("policy.yaml"), rosterPath: nil, logLevel: "info",
                               seenRetention: .days(7), broadcastRooms: [.console: "incidents"],
                               retry: DeliveryRetry(),
                               enabledPlatforms: [], http: HTTPSettings(), slack: SlackSettings(), matrix: MatrixSettings(),
                               paging: PagingSettings(), mirror: false)
        if let node = root.optional("policy") {
            config.policyPath = resolve(try node.string())
            config.policyLine = node.line
        }
        if let node = root.optional("roster") {
            config.rosterPath = resolve(try node.string())
            config.rosterLine = node.line
        }
        if let node = root.optional("log_level") {
            let level = try node.string().lowercased()
            guard logLevels.contains(level) else { throw node.error("expected one of \(logLevels.joined(separator: ", "))") }
            config.logLevel = level
        }
        if let node = root.optional("log_format") {
            let text = try node.string()
            guard let format = LogFormat(rawValue: text) else { throw node.error("log_format is text or json, not “\(text)”") }
            config.logFormat = format
        }
        if let node = root.optional("seen_retention") {
            let retention = try node.duration()!
            // Slack retries an event for minutes and accepts a signed request for 5; an id
            // forgotten sooner would let a retry run a command twice.
            guard retention >= minimumSeenRetention else {
                throw node.error("seen_retention is at least \(DurationText.format(minimumSeenRetention)): a platform retry arriving after the id is forgotten would run its command twice")
            }
            config.seenRetention = retention
        }
        if let node = root.optional("commands_per_minute") { config.commandsPerMinute = try node.int(min: 1) }
        if let node = root.optional("broadcast") {
            for (key, value) in try node.mapping(keys: Platform.allCases.map(\.rawValue)).entries {
                let room = try value.string()
                // A homeserver takes a room id or a whole alias only: `#incidents` passed, and
                // every announcement became a dead letter.
                if key == Platform.matrix.rawValue, let why = Self.matrixRoomRefusal(room) { throw value.error(why) }
                config.broadcastRooms[Platform(rawValue: key)!] = room
            }
        }
        if let node = root.optional("mirror") { config.mirror = try node.bool() }
        if let node = root.optional("delivery") {
            let map = try node.mapping(keys: deliveryKeys)
            // Bounded: a page's failover to the person's next method waits for its retries on
            // this one, so a week-long backoff would leave the level unreached.
            if let value = map.optional("retry_base") {
                config.retry.base = try value.duration()!
                guard config.retry.base >= .seconds(1), config.retry.base <= .minutes(1) else {
                    throw value.error("retry_base is between 1s and 1m: a page fails over to the next method after its retries")
                }
            }
            if let value = map.optional("retry_ceiling") {
                config.retry.ceiling = try value.duration()!
                guard config.retry.ceiling <= .hours(1) else {
                    throw value.error("retry_ceiling is at most 1h: a page fails over to the next method after its retries")
                }
            }
            if config.retry.ceiling < config.retry.base {
                throw (map.optional("retry_ceiling") ?? node).error("retry_ceiling (\(DurationText.format(config.retry.ceiling))) is shorter than retry_base (\(DurationText.format(config.retry.base)))")
            }
            if let value = map.optional("page_attempts_before_failover") {
                config.retry.pageAttemptsBeforeFailover = try value.int(min: 1)
            }
            if let value = map.optional("give_up_after") { config.retry.giveUpAfter = try value.int(min: 2) }
        }
        if let node = root.optional("admin") { config.admin = try loadAdmin(node) }
        if let node = root.optional("database") { config.database = try loadDatabase(node, resolve: resolve) }
        if let node = root.optional("http") {
            config.http = try loadHTTP(node)
            // A used link is remembered as a seen id; one still valid after that is forgotten
            // would work again.
            if config.http.ackLinkValidity > config.seenRetention, let validity = try node.mapping(keys: httpKeys).optional("ack_link_valid_for") {
                throw validity.error("ack_link_valid_for is at most seen_retention (\(DurationText.format(config.seenRetention))): a used link is remembered that long")
            }
        }
        try refuseSharedPort(config, root: root)
        if let node = root.optional("paging") { config.paging = try loadPaging(node, resolve: resolve) }
        if let node = root.optional("slack") {
            let map = try node.mapping(keys: slackKeys, retired: movedSlackKeys)
            if let enabled = map.optional("enabled"), try enabled.bool() { config.enabledPlatforms.append(.slack) }
            // The listener is shared now; a config from before says so, not "unknown key".
            for key in movedSlackKeys {
                if let moved = map.optional(key) { throw moved.error("slack.\(key) moved to http.\(key): one listener serves Slack and the acknowledge pages") }
            }
            if let path = map.optional("path") {
                let text = try path.string()
                // Plain characters only: the router reads `:name`, `{name}` and `*` as patterns,
                // which could take another route's requests or clash with one (and a clash
                // stops the process as it starts).
                guard text.hasPrefix("/"), text.count > 1, !text.contains("//"),
                      text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/-._~".contains($0)) }) else {
                    throw path.error("path is a URL path of letters, digits and - . _ ~ such as /slack/events, not “\(text)”")
                }
                let lowered = text.lowercased()
                guard !Self.listenerOwnRoutes.contains(where: { lowered == $0 || lowered.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) else {
                    throw path.error("path \(text) is one of the bot's own routes (\(Self.listenerOwnRoutes.joined(separator: ", "))); "
                                     + "use one such as /slack/events")
                }
                config.slack.path = text
            }
            if let url = map.optional("api_url") {
                config.slack.apiURL = try httpURL(url, "api_url", example: "https://slack.com/api")
            }
            if let list = map.optional("allowed_teams") {
                config.slack.allowedTeams = try list.list().map { (item) throws(ConfigError) in
                    let text = try item.string()
                    guard let first = text.first, first == "T" || first == "E", text.count > 1,
                          text.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
                        throw item.error("allowed_teams lists Slack team ids (T0123ABCD) or Enterprise Grid ids (E0123ABCD), not “\(text)”")
                    }
                    return text
                }
            }
            if let node = map.optional("timeline_reaction") {
                let name = try node.string()
                guard name.count <= 100, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_+-'".contains($0)) }) else {
                    throw node.error("timeline_reaction is a Slack reaction's name such as pushpin (no colons), or empty, not “\(name)”")
                }
                config.slack.timelineReaction = name
            }
        }
        if let node = root.optional("matrix") {
            let map = try node.mapping(keys: matrixKeys)
            if let enabled = map.optional("enabled"), try enabled.bool() { config.enabledPlatforms.append(.matrix) }
            if let url = map.optional("homeserver") { config.matrix.homeserver = try homeserverURL(url) }
            if let list = map.optional("allow_invites_from") { config.matrix.allowInvitesFrom = try matrixAccounts(list, "allow_invites_from") }
            if let list = map.optional("allow_commands_from") { config.matrix.allowCommandsFrom = try matrixAccounts(list, "allow_commands_from") }
            if let timeout = map.optional("sync_timeout") {
                let value = try timeout.duration()!
                guard value <= .seconds(120) else { throw timeout.error("sync_timeout is at most 2m; homeservers and proxies cut longer requests") }
                config.matrix.syncTimeout = value
            }
            if let node = map.optional("timeline_reaction") {
                let key = try node.string()
                guard key.count <= 16, !key.contains(where: \.isWhitespace) else {
                    throw node.error("timeline_reaction is one emoji such as 📌, or empty, not “\(key)”")
                }
                config.matrix.timelineReaction = key
            }
        }
        // Links never outlive the memory of their use (the default 24 h with a shorter seen_retention).
        config.http.ackLinkValidity = min(config.http.ackLinkValidity, config.seenRetention)
        return config
    }

    /// An http(s) URL such as https://matrix.example.org.
    static func homeserverURL(_ node: ConfigNode) throws(ConfigError) -> String {
        try httpURL(node, "homeserver", example: "https://matrix.example.org")
    }

    /// `host:port`, port 0 to 65535 (0: any free port, the bound one is logged). The host is an
    /// IPv4 address, an IPv6 one (in brackets, `[::1]:9090`, or bare, `:::3000`), or a host name;
    /// an address that cannot be one (`999.1.1.1`, `[::1:9090`) is refused here rather than
    /// when `serve` binds, after it opened the database.
    static func address(_ node: ConfigNode) throws(ConfigError) -> (String, Int) {
        let text = try node.string()
        let usage = "listen is host:port, such as 0.0.0.0:3000, 127.0.0.1:9090 or [::1]:9090, not “\(text)”"
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
              colon != text.startIndex else {
            throw node.error(usage)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard isIPAddress(host, family: AF_INET) || isIPAddress(host, family: AF_INET6) || isHostName(host) else { throw node.error(usage) }
        return (host, port)
    }

    static func isIPAddress(_ text: String, family: Int32) -> Bool {
        var bytes = [UInt8](repeating: 0, count: 16)
        return inet_pton(family, text, &bytes) == 1
    }

    /// Labels of letters, digits and inner hyphens, not all digits and dots (that is an IPv4
    /// address, and one `isIPAddress` did not take).
    static func isHostName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return !text.allSatisfy({ $0.isNumber || $0 == "." }) && text.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
    }

    /// Two listeners on one port and overlapping addresses (one of them every address, or
    /// both the same; port 0 excepted: each gets a free one) would stop `serve` as the second
    /// binds.
    static func refuseSharedPort(_ config: BotConfig, root: ConfigMapping) throws(ConfigError) {
        guard let admin = config.admin.host, config.admin.port != 0, config.admin.port == config.http.port else { return }
        func address(_ host: String) -> String { host == "localhost" ? "127.0.0.1" : host }
        let everywhere: Set<String> = ["0.0.0.0", "::"]
        guard address(admin) == address(config.http.host) || everywhere.contains(admin) || everywhere.contains(config.http.host)
        else { return }
        let node = ["admin", "http"].lazy.compactMap { (try? root.optional($0)?.mapping().optional("listen")) ?? nil }.first
        throw (node ?? root.owner).error("admin.listen and http.listen both use port \(config.http.port); give each listener its own")
    }

    /// Why a file could not be read, in words (Foundation's for a folder, or a loop of
    /// symbolic links, is "error 256", and for a pipe "permission denied").
    static func reason(_ error: any Error, path: String) -> String {
        var status = stat()
        if stat(path, &status) != 0 {
            if errno != ENOENT { return String(cString: strerror(errno)).lowercased() }
        } else if status.st_mode & S_IFMT == S_IFDIR {
            return "it is a folder"
        } else if status.st_mode & S_IFMT != S_IFREG {
            return "it is not a regular file but a device, a pipe or a socket"
        }
        let nsError = error as NSError
        guard nsError.domain == NSCocoaErrorDomain else { return nsError.localizedDescription }
        switch nsError.code {
        case NSFileReadNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError: return "permission denied"
        case NSFileReadInapplicableStringEncodingError, NSFileReadCorruptFileError: return "it is not UTF-8 text"
        default:
            // Foundation's "error 256" hides the system's reason for a file `stat` found but could not read.
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32(underlying.code))).lowercased()
            }
            return nsError.localizedDescription
        }
    }
}
