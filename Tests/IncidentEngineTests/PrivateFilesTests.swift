import Foundation
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import IncidentWire
import Testing

/// The database (with its WAL files) and the kept Matrix token hold incident records and a
/// credential: readable by their owner only, from the moment they exist.
@Suite struct PrivateFilesTests {
    @Test func theDatabaseAndItsWALFilesAreCreatedReadableByTheOwnerOnly() async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let store = try SQLiteStore(path: path)
        _ = try await store.write { try $0.nextIncidentNumber() }
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(PrivateFile.mode(file) == 0o600, "\(file): \(String(PrivateFile.mode(file) ?? 0, radix: 8))")
        }
    }

    @Test func aDatabaseLeftReadableByOthersIsNarrowedOnOpen() async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("old.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        #expect(PrivateFile.mode(path) == 0o644)
        _ = try SQLiteStore(path: path)
        #expect(PrivateFile.mode(path) == 0o600)
    }

    @Test func aKeptSecretIsWrittenPrivateAndWhole() throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite.matrix-token").path
        try PrivateFile.write(Array("syt_first".utf8), to: path)
        #expect(PrivateFile.mode(path) == 0o600)
        try PrivateFile.write(Array("syt_second".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "syt_second")
        #expect(PrivateFile.mode(path) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".new"))
    }

    /// A secret made only when none is there: two starts at once keep the first one's, not
    /// whichever wrote last (links signed with the other would be refused).
    @Test func aSecretIsCreatedOnceAndNeverReplaced() throws {
        let folder = try TestConfig.temporaryDirectory()
        let path = folder.appendingPathComponent("bot.sqlite.link-secret").path
        #expect(try PrivateFile.create(Array("first".utf8), at: path))
        #expect(try !PrivateFile.create(Array("second".utf8), at: path))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
        #expect(PrivateFile.mode(path) == 0o600)
        // No temporary file is left beside it (each start names its own).
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["bot.sqlite.link-secret"])
    }
}
