import Foundation
import Testing

/// The core targets stay pure: no networking, no database, no disk, no clock (DESIGN.md,
/// docs/architecture.md). These read the sources, so a violation fails here before review.
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Each pure target and what it may import.
    static let allowedImports: [String: Set<String>] = [
        "IncidentCore": ["Foundation"],
        "IncidentCommands": ["IncidentCore"],
        "IncidentPolicy": ["IncidentCore", "Yams"],
        "IncidentRules": ["IncidentCore", "IncidentCommands", "IncidentPolicy"],
        // Logging and Metrics are the server ecosystem's APIs only; the process picks their backends.
        "IncidentEngine": ["IncidentCore", "IncidentCommands", "IncidentPolicy", "IncidentRules", "Logging", "Metrics",
                           "ServiceLifecycle", "Synchronization", "Foundation"],
    ]

    /// Foundation is for time zone rules and transliteration only, in this one file.
    /// In the engine, only the live clock reads the wall clock.
    static let foundationFiles: Set<String> = ["IncidentCore/LocalZone.swift", "IncidentEngine/Clock.swift"]

    static let clockAndIO = ["Date()", "Date.now", "Date(timeIntervalSinceNow", "ContinuousClock", "SuspendingClock",
                             "DispatchTime", "clock_gettime", "gettimeofday", "FileManager", "FileHandle", "URLSession",
                             "ProcessInfo", "contentsOf:", "Thread.sleep", "Task.sleep", "fopen(", "getenv("]

    func sources(of target: String) throws -> [(name: String, text: String)] {
        let directory = Self.root.appendingPathComponent("Sources").appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") }
        return try files.sorted().map { file in
            ("\(target)/\(file)", try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8))
        }
    }

    @Test(arguments: ["IncidentCore", "IncidentCommands", "IncidentPolicy", "IncidentRules", "IncidentEngine"])
    func importsOnlyWhatTheLayerAllows(target: String) throws {
        let files = try sources(of: target)
        #expect(!files.isEmpty)
        for (name, text) in files {
            for line in text.split(separator: "\n") where line.hasPrefix("import ") {
                let module = String(line.dropFirst(7).split(separator: " ")[0])
                #expect(Self.allowedImports[target]!.contains(module), "\(name) imports \(module)")
                if module == "Foundation" {
                    #expect(Self.foundationFiles.contains(name), "\(name) imports Foundation")
                }
            }
        }
    }

    @Test(arguments: ["IncidentCore", "IncidentCommands", "IncidentPolicy", "IncidentRules", "IncidentEngine"])
    func readsNoClockAndTouchesNoDisk(target: String) throws {
        for (name, text) in try sources(of: target) where name != "IncidentEngine/Clock.swift" {
            for call in Self.clockAndIO {
                #expect(!text.contains(call), "\(name) uses \(call)")
            }
        }
    }
}
