import Foundation

/// A private certificate authority for the tests' TLS servers, made with openssl the way an
/// operator's own CA (or CloudNativePG's) would be: `ca.crt` (the authority, what the bot is
/// told to trust), `server.crt` and `server.key` (signed by it, for `localhost` and
/// 127.0.0.1), and `other-ca.crt`, an authority that signed nothing here.
public enum TestCertificates {
    /// Makes the four files (and the authorities' keys) in `folder`.
    public static func make(in folder: URL) throws {
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for authority in ["ca", "other-ca"] {
            try openssl(["req", "-x509"] + key + ["-days", "2", "-subj", "/CN=incident-bot test \(authority)",
                        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                        "-keyout", path("\(authority).key"), "-out", path("\(authority).crt")])
        }
        try openssl(["req"] + key + ["-subj", "/CN=localhost", "-keyout", path("server.key"), "-out", path("server.csr")])
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
            .write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-days", "2", "-extfile", path("server.ext"), "-out", path("server.crt")])
    }

    static func openssl(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw TestTools.Failure("no /usr/bin/openssl: install Debian's openssl package (.ci/run does)")
        }
        try TestTools.run("/usr/bin/openssl", arguments)
    }
}
