import Foundation
import IncidentPolicy

/// The shipped config files, read from the repository.
enum ConfigFiles {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    static func policy() throws -> Policy {
        try Policy.load(yaml: text("policy.yaml"), file: "config/policy.yaml")
    }

    /// The line number (1-based) of the first line containing `needle` in `text`.
    static func line(of needle: String, in text: String) -> Int {
        (text.components(separatedBy: "\n").firstIndex { $0.contains(needle) } ?? -1) + 1
    }
}
