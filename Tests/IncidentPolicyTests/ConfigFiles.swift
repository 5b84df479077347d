import Foundation
import IncidentPolicy
import Testing

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

    /// Replaces `find` with `replace` in the shipped file `name`, loads it with `load`, and
    /// checks it is refused naming the line that contains `lineOf` (±1) and a reason
    /// containing `reason`.
    static func expectRefused(_ name: String, find: String, replace: String, lineOf: String, reason: String,
                              load: (String) throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let shipped = try text(name)
        #expect(shipped.contains(find), "fixture out of date: \(find)", sourceLocation: sourceLocation)
        guard let range = shipped.range(of: find) else { return }
        let broken = shipped.replacingCharacters(in: range, with: replace)
        let expectedLine = line(of: lineOf, in: broken)
        do {
            try load(broken)
            Issue.record("loaded \(name) with \(replace)", sourceLocation: sourceLocation)
        } catch let error as ConfigError {
            #expect(error.reason.contains(reason), "\(error)", sourceLocation: sourceLocation)
            #expect(abs(error.line - expectedLine) <= 1, "\(error) should name line \(expectedLine)",
                    sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("\(error.file):\(error.line): "), sourceLocation: sourceLocation)
        }
    }

    /// The line number (1-based) of the first line containing `needle` in `text`.
    static func line(of needle: String, in text: String) -> Int {
        (text.components(separatedBy: "\n").firstIndex { $0.contains(needle) } ?? -1) + 1
    }
}
