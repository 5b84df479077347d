// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "incident-bot",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "IncidentCore", targets: ["IncidentCore"]),
        .library(name: "IncidentCommands", targets: ["IncidentCommands"]),
        .library(name: "IncidentPolicy", targets: ["IncidentPolicy"]),
        .library(name: "IncidentRules", targets: ["IncidentRules"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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

        .testTarget(name: "IncidentCoreTests", dependencies: ["IncidentCore"]),
        .testTarget(name: "IncidentCommandsTests", dependencies: ["IncidentCommands"]),
        .testTarget(name: "IncidentPolicyTests", dependencies: ["IncidentPolicy"]),
        .testTarget(name: "IncidentRulesTests", dependencies: ["IncidentRules", "IncidentCommands"]),
    ],
    swiftLanguageModes: [.v6]
)
