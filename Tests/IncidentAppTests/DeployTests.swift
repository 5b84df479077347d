import Foundation
import IncidentTesting
import Testing

/// deploy/Dockerfile's runtime image must hold every system library the binary links: no
/// Docker engine runs here, so the list is held against `ldd` of the binary built for the
/// tests (the debug build links the same libraries as the release one).
@Suite struct DeployTests {
    static let dockerfile = TestConfig.repository.appendingPathComponent("deploy/Dockerfile")

    /// The packages the runtime stage installs: the words after `apt-get install ... ` up to `&&`.
    static func runtimePackages() throws -> Set<String> {
        let text = try String(contentsOf: dockerfile, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("apt-get install") })
        let words = line.split(separator: " ").map(String.init)
        let start = try #require(words.firstIndex(of: "install"))
        return Set(words[(start + 1)...].prefix { $0 != "&&" && $0 != "\\" }.filter { !$0.hasPrefix("-") })
    }

    @Test func theRuntimeImageHasEveryLibraryTheBinaryLinks() async throws {
        let installed = try Self.runtimePackages()
        #expect(installed.contains("libsqlite3-0"), "\(installed)")
        let dockerfile = try String(contentsOf: Self.dockerfile, encoding: .utf8)
        // The Swift runtime is linked into the binary, so the image needs none of the toolchain's libraries.
        #expect(dockerfile.contains("--static-swift-stdlib"))
        let binary = TestTools.botBinary.path
        let ldd = String(decoding: try await TestTools.offPool { try TestTools.run("/usr/bin/ldd", [binary]) }, as: UTF8.self)
        var libraries: [String] = []
        for line in ldd.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let path = words.first(where: { $0.hasPrefix("/") }) else { continue }  // linux-vdso: the kernel's
            if path.contains("/lib/swift/") { continue }                                 // the Swift runtime, linked in
            libraries.append(path)
        }
        #expect(libraries.count >= 5, "\(ldd)")
        for library in libraries {
            let package = try await Self.package(owning: library)
            #expect(installed.contains(package), "\(library) comes from \(package), which deploy/Dockerfile does not install")
        }
    }

    /// The Debian package a file comes from. With merged /usr a package may list its file
    /// under /lib or /usr/lib, whichever the loader printed; both are asked.
    static func package(owning path: String) async throws -> String {
        let candidates = path.hasPrefix("/usr/") ? [path, String(path.dropFirst(4))] : [path, "/usr" + path]
        var failure: (any Error)?
        for candidate in candidates {
            do {
                let owner = String(decoding: try await TestTools.offPool { try TestTools.run("/usr/bin/dpkg", ["-S", candidate]) },
                                   as: UTF8.self)
                return String(owner.prefix { $0 != ":" })
            } catch {
                failure = error
            }
        }
        throw failure!
    }
}
