import Foundation
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Logging
import Testing

/// `sslmode=verify-full` against a server whose certificate comes from a private CA (the test
/// cluster's, as CloudNativePG's or a managed database's would be): reached over TLS with that
/// CA as `sslrootcert`, and refused with a reason that names the cure without it or with
/// another CA.
@Suite struct PostgresTLSTests {
    @Test func aServerOfAPrivateAuthorityIsReachedWithItsCertificateAsRoot() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("tls") }
        var settings = cluster.settings(database)
        settings.requireTLS = true
        settings.trustRoots = cluster.certificateAuthority
        let store = try await TestTools.offPool { [settings] in try PostgresStore(settings: settings, logger: Logger(label: "test")) }
        try await store.write { try $0.markSeen(.slack, eventID: "over-tls", at: TestConfig.start) }
        #expect(try await store.read { try $0.isSeen(.slack, eventID: "over-tls") })
        // Every session the store holds on that database is encrypted.
        let sessions = try await TestTools.offPool { try cluster.psql("""
            SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
            WHERE a.datname = '\(database)'
            """) }
        let counts = sessions.split(separator: "|")
        #expect(counts.count == 2 && counts[0] == counts[1] && counts[0] != "0", "\(sessions)")
        withExtendedLifetime(store) {}
    }

    @Test(arguments: [nil, "other"])
    func aServerOfAnotherAuthorityIsRefusedWithTheCure(roots: String?) async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("tls") }
        var settings = cluster.settings(database)
        settings.requireTLS = true
        settings.trustRoots = roots.map { _ in cluster.otherAuthority }
        do {
            _ = try await TestTools.offPool { [settings] in try PostgresStore(settings: settings, logger: Logger(label: "test")) }
            Issue.record("a server whose certificate no trusted CA signed was reached")
        } catch {
            let reason = "\(error)"
            #expect(reason.contains("the server's certificate is not signed by a trusted CA"), "\(reason)")
            #expect(reason.contains("sslrootcert=PATH"), "\(reason)")
            #expect(!reason.contains(".build/checkouts"), "\(reason)")
        }
    }
}
