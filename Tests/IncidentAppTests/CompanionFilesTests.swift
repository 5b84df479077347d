import Foundation
@testable import IncidentApp
import IncidentTesting
import Testing

/// The secrets kept beside a SQLite database go beside the file itself, so the database
/// started by a symbolic link's name and by its own finds one acknowledge-link secret (and one
/// Matrix login); one kept beside a link's name by an earlier version is moved beside the file.
@Suite struct CompanionFilesTests {
    /// A database file in `data/` of a new folder, and `bot.sqlite` beside `data/` a symbolic
    /// link to it (relative, as `ln -s data/bot.sqlite` makes); `made`: the file is there.
    static func linkedDatabase(made: Bool) throws -> (folder: URL, file: String, link: String) {
        let folder = try TestConfig.temporaryDirectory()
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let file = data.appendingPathComponent("bot.sqlite").path
        let link = folder.appendingPathComponent("bot.sqlite").path
        if made { try Data().write(to: URL(fileURLWithPath: file)) }
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "data/bot.sqlite")
        return (folder, file, link)
    }

    @Test func aSecretIsKeptBesideTheFileALinkNames() throws {
        let (_, file, link) = try Self.linkedDatabase(made: false)
        // Before the file is made, and after.
        #expect(DatabaseLocation.sqlite(path: link).companionFile(.linkSecret) == file + ".link-secret")
        try Data().write(to: URL(fileURLWithPath: file))
        for name in [link, file] {
            #expect(DatabaseLocation.sqlite(path: name).companionFile(.linkSecret) == file + ".link-secret")
            #expect(DatabaseLocation.sqlite(path: name).companionFile(.matrixToken) == file + ".matrix-token")
        }
        #expect(DatabaseLocation.postgres(try DatabaseLocation.postgres("postgres://bot@db/incidents")).companionFile(.linkSecret) == nil)
    }

    @Test func aSecretKeptBesideALinksNameIsFoundThereThenMovedBesideTheFile() throws {
        let (_, file, link) = try Self.linkedDatabase(made: true)
        try "the secret links were signed with".write(toFile: link + ".link-secret", atomically: true, encoding: .utf8)
        try "syt_token\nDEVICE".write(toFile: link + ".matrix-token", atomically: true, encoding: .utf8)
        let linked = DatabaseLocation.sqlite(path: link)
        // As an earlier version left them: found beside the link's name.
        #expect(linked.companionFile(.linkSecret) == link + ".link-secret")
        // The file's own name sees none there yet.
        #expect(DatabaseLocation.sqlite(path: file).companionFile(.linkSecret) == file + ".link-secret")
        #expect(!FileManager.default.fileExists(atPath: file + ".link-secret"))

        let said = linked.gatherCompanions()
        #expect(said.count == 2 && said.allSatisfy { $0.hasPrefix("moved the ") }, "\(said)")
        #expect(said.first?.contains("acknowledge-link secret from \(link).link-secret to \(file).link-secret") == true, "\(said)")
        for name in [link, file] {
            let location = DatabaseLocation.sqlite(path: name)
            #expect(try String(contentsOfFile: location.companionFile(.linkSecret) ?? "", encoding: .utf8) == "the secret links were signed with")
            #expect(try String(contentsOfFile: location.companionFile(.matrixToken) ?? "", encoding: .utf8) == "syt_token\nDEVICE")
        }
        #expect(!FileManager.default.fileExists(atPath: link + ".link-secret"))
        // Done once: the next start has nothing to move.
        #expect(linked.gatherCompanions().isEmpty)
    }

    /// Where one is beside both names, the file's own is the one in force and the other is
    /// left alone; a symbolic link in the way at the name is not moved, so it is refused by it.
    @Test func onlyALoneFileBesideTheNameIsMoved() throws {
        let (folder, file, link) = try Self.linkedDatabase(made: true)
        try "beside the file".write(toFile: file + ".link-secret", atomically: true, encoding: .utf8)
        try "beside the name".write(toFile: link + ".link-secret", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link + ".matrix-token", withDestinationPath: folder.appendingPathComponent("gone").path)
        let linked = DatabaseLocation.sqlite(path: link)
        #expect(linked.gatherCompanions().isEmpty)
        #expect(linked.companionFile(.linkSecret) == file + ".link-secret")
        #expect(try String(contentsOfFile: link + ".link-secret", encoding: .utf8) == "beside the name")
        #expect(linked.companionFile(.matrixToken) == link + ".matrix-token")
        // Named by itself, the database has nothing beside another name to look for.
        let plain = DatabaseLocation.sqlite(path: folder.appendingPathComponent("plain.sqlite").path)
        #expect(plain.gatherCompanions().isEmpty)
        #expect(plain.companionFile(.lock) == folder.appendingPathComponent("plain.sqlite.lock").path)
    }
}
