import Crypto
import IncidentWire

/// The names a room creation tries, in turn, while the platform says the name is taken: the
/// incident's own, then `-2` to `-20`, then one nobody can guess. Anyone in a workspace or on
/// a homeserver can make a channel or alias of the names a title and a date make easy to guess
/// (a private incident's above all, `incident-20261204-private`); with all twenty taken the
/// incident had no room, while its pages and answers named a stranger's.
public struct RoomNameCandidates: Sendable {
    /// How many names are tried before the unguessable one: the name and its suffixes.
    public static let guessable = 20

    public let name: String
    /// The longest name the platform takes: Slack's channels 80, Matrix's aliases far more.
    public let limit: Int
    /// `name-` and 12 hex digits of the job's key signed with `secret` (a token of the bot's):
    /// the same on a retry of the job while the secret is, so a retry finds what it made.
    public let unguessable: String

    public init(_ name: String, limit: Int, key: String, secret: Secret) {
        self.name = name
        self.limit = limit
        let signature = HMAC<SHA256>.authenticationCode(for: Array(key.utf8), using: SymmetricKey(data: Array(secret.value.utf8)))
        unguessable = Self.ending(name, with: "-" + Hex.string(signature).prefix(12), limit: limit)
    }

    /// The names in the order they are tried.
    public var all: [String] {
        [name] + (2...Self.guessable).map { Self.ending(name, with: "-\($0)", limit: limit) } + [unguessable]
    }

    /// Said when every one was taken.
    public var triedText: String {
        "tried \(name) to \(Self.ending(name, with: "-\(Self.guessable)", limit: limit)), and \(unguessable)"
    }

    static func ending(_ name: String, with suffix: String, limit: Int) -> String {
        String(name.prefix(limit - suffix.count)) + suffix
    }
}
