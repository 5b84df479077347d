// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "incident-bot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "incident-bot", targets: ["IncidentBot"]),
        .library(name: "IncidentCore", targets: ["IncidentCore"]),
        .library(name: "IncidentCommands", targets: ["IncidentCommands"]),
        .library(name: "IncidentPolicy", targets: ["IncidentPolicy"]),
        .library(name: "IncidentRules", targets: ["IncidentRules"]),
        .library(name: "IncidentEngine", targets: ["IncidentEngine"]),
        .library(name: "IncidentSQLite", targets: ["IncidentSQLite"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Vocabulary: time, people, severities, commands, messages, effects, room names.
        .target(name: "IncidentCore"),
        // Chat text -> Command, with errors that show usage; the command manual.
        .target(name: "IncidentCommands", dependencies: ["IncidentCore"]),
        // Policy and roster values, their YAML loading, cadence and ladder arithmetic.
        .target(name: "IncidentPolicy", dependencies: ["IncidentCore", .product(name: "Yams", package: "Yams")]),
        // The incident state machine: (state, input, now, policy) -> (state, timeline, effects).
        .target(name: "IncidentRules", dependencies: ["IncidentCore", "IncidentCommands", "IncidentPolicy"]),
        // ChatEvent -> decision -> one transaction; the ports (store, transport, clock), delivery
        // and the scheduler.
        .target(name: "IncidentEngine", dependencies: [
            "IncidentCore", "IncidentCommands", "IncidentPolicy", "IncidentRules",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // What both stores share: the JSON of stored records, policies stored once by digest,
        // the per-transaction incident cache, outbox rows made items.
        .target(name: "IncidentStorage", dependencies: [
            "IncidentCore", "IncidentEngine", "IncidentRules", "IncidentPolicy", "IncidentWire",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The IncidentStore on SQLite through GRDB: migrations, records, outbox, seen ids.
        .target(name: "IncidentSQLite", dependencies: [
            "IncidentEngine", "IncidentPolicy", "IncidentRules", "IncidentStorage", "IncidentWire",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // The IncidentStore on PostgreSQL through postgres-nio, for replicas: the same records,
        // writes serialized across processes, and the leader's lease.
        .target(name: "IncidentPostgres", dependencies: [
            "IncidentEngine", "IncidentPolicy", "IncidentRules", "IncidentStorage", "IncidentTLS", "IncidentWire",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The certificate authorities a TLS client trusts, shared by the mail client and the
        // PostgreSQL store.
        .target(name: "IncidentTLS", dependencies: [
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // JSON values and secrets, shared by the platform adapters.
        .target(name: "IncidentWire", dependencies: ["IncidentCore"]),
        // What every door on the HTTP listener shares (reading a body within its limits, small
        // answers), and every call out (a body that leaves only while the leader term holds).
        .target(name: "IncidentHTTP", dependencies: [
            "IncidentEngine", "IncidentWire",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),
        // Slack: the signed HTTP endpoint (Events API, slash commands, interactivity), Socket Mode,
        // the Web API client and the transport that renders messages as Block Kit.
        .target(name: "IncidentSlack", dependencies: [
            "IncidentEngine", "IncidentWire", "IncidentHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Matrix: the /sync long-poll service, the Client-Server API client and the transport
        // that renders messages as HTML notices with pills.
        .target(name: "IncidentMatrix", dependencies: [
            "IncidentEngine", "IncidentCommands", "IncidentWire", "IncidentHTTP",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Paging beyond chat: mail over SMTP, PagerDuty, Twilio SMS and voice, a signed webhook;
        // the signed acknowledge links and pages every page off chat carries, and the
        // providers' signed callbacks.
        .target(name: "IncidentPaging", dependencies: [
            "IncidentEngine", "IncidentPolicy", "IncidentRules", "IncidentTLS", "IncidentWire", "IncidentHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What the executable does, as a library the tests import: config files, the console
        // transport and session, export, report, the wiring of services.
        .target(name: "IncidentApp", dependencies: [
            "IncidentCommands", "IncidentEngine", "IncidentTLS",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"), "IncidentSQLite", "IncidentPostgres", "IncidentSlack", "IncidentMatrix", "IncidentPaging", "IncidentWire", "IncidentHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The incident-bot executable: the command line, the one root Logger.
        .executableTarget(name: "IncidentBot", dependencies: [
            "IncidentApp",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Test support: recording and failing transports, the scenario roster and policy.
        .target(name: "IncidentTesting", dependencies: ["IncidentEngine", "IncidentSQLite"], path: "Tests/IncidentTesting"),

        .testTarget(name: "IncidentCoreTests", dependencies: ["IncidentCore"]),
        .testTarget(name: "IncidentCommandsTests", dependencies: ["IncidentCommands", "IncidentTesting"]),
        .testTarget(name: "IncidentPolicyTests", dependencies: ["IncidentPolicy"]),
        .testTarget(name: "IncidentRulesTests", dependencies: ["IncidentRules", "IncidentCommands"]),
        .testTarget(name: "IncidentEngineTests", dependencies: [
            "IncidentEngine", "IncidentPolicy", "IncidentSQLite", "IncidentTesting", "IncidentWire",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Test support for Slack: a fake Web API that answers as Slack does and checks every call
        // against the method list from Slack's OpenAPI spec, a Socket Mode WebSocket fake, and
        // the independent request signer (slack-sdk, installed under .build/ on first use).
        .target(name: "SlackFake", dependencies: [
            "IncidentSlack", "IncidentWire", "IncidentTesting",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/SlackFake", resources: [.copy("slack-web-methods.json")]),
        .testTarget(name: "IncidentSlackTests", dependencies: [
            "IncidentSlack", "IncidentWire", "IncidentApp", "IncidentBot", "IncidentTesting", "IncidentSQLite", "IncidentCommands",
            "IncidentPaging", "IncidentHTTP", "SlackFake", "PagerFakes",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Test support for Matrix: a real Synapse homeserver (installed from PyPI under .build/ on
        // first use), users registered with the shared secret, a responder's view of rooms.
        .target(name: "MatrixSynapse", dependencies: [
            "IncidentMatrix", "IncidentWire", "IncidentTesting",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/MatrixSynapse", exclude: ["config"]),
        .testTarget(name: "IncidentMatrixTests", dependencies: [
            "IncidentMatrix", "IncidentWire", "IncidentApp", "IncidentBot", "IncidentTesting", "IncidentSQLite", "MatrixSynapse",
            "IncidentSlack", "SlackFake",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Test support for paging: PagerDuty's Events API and Twilio's REST API as fakes faithful
        // to their published contracts, and their signatures made by independent code.
        .target(name: "PagerFakes", dependencies: [
            "IncidentWire", "IncidentTesting", "SlackFake",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/PagerFakes"),
        .testTarget(name: "IncidentPagingTests", dependencies: [
            "IncidentPaging", "IncidentTesting", "IncidentEngine", "IncidentTLS", "IncidentWire", "PagerFakes",
        ]),
        // One contract for every store, run on SQLite and on a real PostgreSQL server.
        .testTarget(name: "IncidentStoreTests", dependencies: [
            "IncidentEngine", "IncidentSQLite", "IncidentPostgres", "IncidentTesting", "IncidentCore", "IncidentPolicy", "IncidentRules",
            "IncidentStorage",
            .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "IncidentAppTests", dependencies: [
            "IncidentApp", "IncidentBot", "IncidentTesting", "IncidentCommands", "IncidentPolicy", "IncidentSlack", "IncidentMatrix",
            "IncidentWire", "IncidentSQLite", "IncidentPostgres",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
