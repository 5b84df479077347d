import Foundation
import IncidentCore
import IncidentPolicy

/// The shipped policy and the example roster, read from the repository's config/.
public enum TestConfig {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let directory = repository.appendingPathComponent("config")

    public static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    public static func policy() throws -> Policy { try Policy.load(yaml: text("policy.yaml"), file: "policy.yaml") }

    public static func roster() throws -> Roster {
        try Roster.load(yaml: text("roster.example.yaml"), file: "roster.example.yaml", policy: policy())
    }

    /// Tuesday 2026-11-24 10:00 UTC: minute 0 of every drill, inside the shipped working hours.
    public static let start = Timestamp(iso8601: "2026-11-24T10:00:00Z")!

    public static func at(_ minute: Int) -> Timestamp { start + .minutes(minute) }

    /// A fresh folder for one test's files.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("incident-bot-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
