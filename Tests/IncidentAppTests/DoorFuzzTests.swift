import Foundation
import IncidentApp
import IncidentCommands
import IncidentCore
import IncidentEngine
@testable import IncidentMatrix
import IncidentPolicy
import IncidentSlack
import IncidentTesting
import IncidentWire
import Testing

/// Mutation fuzzing of every door that reads outside input: the command parser, the Slack
/// request decoder, the Matrix event reader and the config loaders. Each starts from real
/// inputs (the manual's examples, Slack's three body shapes, a sync answer, the shipped
/// config) and feeds mutants: flipped, inserted, deleted, repeated and spliced bytes, and
/// tokens that break parsers (quotes, escapes, brackets, emoji, invalid UTF-8). Every input must
/// be answered (a value or an error), never trap: a trap kills the test process.
///
/// `INCIDENT_FUZZ_ITERATIONS` sets the inputs per door (default 5,000 in the suite);
/// `bench/fuzz.sh` runs a million each.
@Suite struct DoorFuzzTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["INCIDENT_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 5_000
    }

    static let tokens: [[UInt8]] = ["\"", "'", "“", "<@", "<#", ">", "|", "<!channel>", "@room", "%", "%ZZ", "%00", "&", "=", "+",
                                    "{", "}", "[", "]", ":", ",", "\\", "\\u0000", "\\ud800", "\n", "\r\n", "\t", " ", "--sev", "P0",
                                    "INC-", "#incident-", "!", "/", "👨‍👩‍👧‍👦", "\u{301}", "\u{202E}", "null", "true", "1e999",
                                    "- ", "? ", "&a", "*a", "!!binary", "---", "...", "~"].map { Array($0.utf8) }
        + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x00]]

    /// One mutant of a seed (or of two spliced).
    static func mutant(_ seeds: [[UInt8]], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = seeds.randomElement(using: &random)!
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where !bytes.isEmpty: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
            case 2: bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: at)
            case 3 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &random)))
            case 4 where !bytes.isEmpty:
                let piece = bytes[at..<min(bytes.count, at + Int.random(in: 1...32, using: &random))]
                bytes.insert(contentsOf: Array(repeating: piece, count: Int.random(in: 2...50, using: &random)).joined(), at: at)
            case 5:
                let other = seeds.randomElement(using: &random)!
                if !other.isEmpty { bytes.insert(contentsOf: other[Int.random(in: 0..<other.count, using: &random)...], at: at) }
            default: bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: at)
            }
        }
        return Array(bytes.prefix(200_000))
    }

    static func fuzz(_ seeds: [String], seed: UInt64, _ body: ([UInt8]) -> Void) {
        var random = SeededRandom(state: seed)
        let seeds = seeds.map { Array($0.utf8) }
        for seed in seeds { body(seed) }
        for _ in 0..<iterations { body(mutant(seeds, &random)) }
    }

    @Test func theCommandParser() {
        let examples = CommandName.allCases.flatMap { CommandManual.entry($0).examples }
        #expect(examples.count > 20)
        Self.fuzz(examples, seed: 1) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            switch CommandParser.parse(text) {
            case .success(let parsed): #expect(!parsed.summary.isEmpty)
            case .failure(let error): #expect(!error.description.contains("\n"), "\(text.debugDescription)")
            }
        }
    }

    static let slackSeeds = [
        "command=%2Fincident&text=declare+Payment+API+errors+--sev+P1&user_id=U0ALICE01&channel_id=C0LOBBY01&team_id=T0TEAM001&trigger_id=1.2.3",
        #"{"type":"event_callback","event_id":"Ev1","team_id":"T0TEAM001","authorizations":[{"user_id":"UINCBOT01"}],"event":{"type":"app_mention","user":"U0ALICE01","channel":"C1","text":"<@UINCBOT01> status INC-1","user_team":"T0TEAM001"}}"#,
        #"payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U0ALICE01%22%2C%22team_id%22%3A%22T0TEAM001%22%7D%2C%22channel%22%3A%7B%22id%22%3A%22D1%22%7D%2C%22trigger_id%22%3A%22t%22%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22incident_ack%22%2C%22value%22%3A%22INC-1%22%7D%5D%7D"#,
        #"{"type":"url_verification","challenge":"abc"}"#,
    ]

    @Test func theSlackRequestDecoder() {
        Self.fuzz(Self.slackSeeds, seed: 2) { bytes in
            for type in ["application/x-www-form-urlencoded", "application/json", "application/json; charset=utf-8"] {
                if case .success(.slashCommand(let command)) = Result(catching: { try SlackRequest.decode(contentType: type, body: bytes) }) {
                    #expect(command.command.hasPrefix("/"))
                }
            }
        }
    }

    static let matrixSeed = #"""
        {"next_batch":"s2","rooms":{"join":{"!r:localhost":{"timeline":{"limited":false,"events":[
        {"type":"m.room.message","event_id":"$1","sender":"@alice:localhost","origin_server_ts":1764000000000,
         "content":{"msgtype":"m.text","body":"!ic INC-1 Alice","format":"org.matrix.custom.html",
         "formatted_body":"!ic INC-1 <a href=\"https://matrix.to/#/@alice:localhost\">Alice</a>"}},
        {"type":"m.room.encrypted","event_id":"$2","sender":"@bob:localhost","content":{}}]}}},
        "invite":{"!i:localhost":{"invite_state":{"events":[{"type":"m.room.member","state_key":"@bot:localhost",
         "sender":"@alice:localhost","content":{"membership":"invite"}}]}}}}}
        """#

    @Test func theMatrixEventReader() {
        Self.fuzz([Self.matrixSeed], seed: 3) { bytes in
            guard let answer = JSONValue.parse(bytes) else { return }
            var timelines: [String: [JSONValue]] = [:]
            for (room, joined) in answer["rooms"]?["join"]?.object ?? [:] { timelines[room] = joined["timeline"]?["events"]?.array ?? [] }
            let read = MatrixSync<ManualClock>.commands(in: timelines, me: "@bot:localhost")
            #expect(read.commands.allSatisfy { $0.platform == .matrix })
            for (_, invite) in answer["rooms"]?["invite"]?.object ?? [:] { _ = MatrixSync<ManualClock>.inviter(invite, me: "@bot:localhost") }
        }
    }

    /// The config loaders, one test each so they run side by side; each is fed mutants of all
    /// three shipped files.
    @Test(arguments: ["incident-bot.yaml", "policy.yaml", "roster.example.yaml"])
    func theConfigLoaders(file: String) throws {
        let texts = try ["policy.yaml", "incident-bot.yaml", "roster.example.yaml"].map(TestConfig.text)
        let policy = try Policy.load(yaml: texts[0], file: "policy.yaml")
        let load: (String) throws -> Void = switch file {
        case "incident-bot.yaml": { _ = try BotConfig.parse($0, file: "c.yaml") }
        case "policy.yaml": { _ = try Policy.load(yaml: $0, file: "p.yaml") }
        default: { _ = try Roster.load(yaml: $0, file: "r.yaml", policy: policy) }
        }
        Self.fuzz(texts, seed: 4) { bytes in
            do {
                try load(String(decoding: bytes, as: UTF8.self))
            } catch let error as ConfigError {
                #expect(!error.description.contains("\n"), "\(error.description.debugDescription)")
            } catch {
                Issue.record("not a ConfigError: \(error)")
            }
        }
    }
}
