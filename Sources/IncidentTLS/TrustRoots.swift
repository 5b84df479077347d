import Foundation
import NIOSSL

/// The certificate authorities a TLS client trusts: the system's, or those of a PEM file the
/// operator names for a server whose certificate comes from a private CA (a mail relay's
/// `paging.email.ca_file`, a database URL's `sslrootcert`; CloudNativePG's and the managed
/// databases' CAs are not in Debian's bundle). One reading for both, at start: a file that is
/// missing or not PEM refuses the start, instead of failing every page or every reconnect.
public enum TrustRoots {
    /// Throws a one-line reason when `file` cannot be read or holds no PEM certificate.
    public static func check(_ file: String) throws {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(file)
        } catch {
            throw Unreadable(description: FileManager.default.isReadableFile(atPath: file)
                ? "holds no PEM certificate that can be read" : "cannot read the file")
        }
        guard !certificates.isEmpty else { throw Unreadable(description: "holds no PEM certificate") }
    }

    /// A client's TLS configuration that checks the server's certificate and name against
    /// `file`'s authorities, or the system's when nil.
    public static func clientConfiguration(trusting file: String?) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let file { configuration.trustRoots = .file(file) }
        return configuration
    }

    /// Why a trust file cannot be used.
    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }
}
