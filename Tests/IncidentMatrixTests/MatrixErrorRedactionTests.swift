import Foundation
import Hummingbird
@testable import IncidentMatrix
import IncidentTesting
import IncidentWire
import SlackFake
import Testing

/// A homeserver's `error` goes to the log, `/readyz` and the incident's timeline: a homeserver,
/// or a proxy in front of it, that quotes the request must not put the bot's token or password
/// there (anyone may read a timeline through `/incident postmortem`).
@Suite struct MatrixErrorRedactionTests {
    static let token = "syt_SECRET/token+12345"
    static let password = "SECRET pass/word"

    @Test func anErrorQuotingTheRequestShowsNeitherTokenNorPassword() async throws {
        let router = Router()
        router.get("/_matrix/client/v3/account/whoami") { request, _ -> Response in
            let header = request.headers[.authorization] ?? ""
            return Self.forbidden("You (\(header)) may not; as a form: \(header.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")")
        }
        router.post("/_matrix/client/v3/login") { request, context -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            return Self.forbidden("Invalid password for request \(body)")
        }
        let homeserver = try await RunningServer.start(router, label: "quoting-homeserver")
        defer { Task { await homeserver.stop() } }
        let url = "http://127.0.0.1:\(homeserver.port)"

        let byToken = MatrixClient(homeserver: url, auth: .token(Secret(Self.token)))
        await #expect { _ = try await byToken.whoami() } throws: { error in
            let said = "\(error)"
            return said.hasPrefix("M_FORBIDDEN (HTTP 403): You (Bearer <redacted>) may not") && !said.contains("SECRET")
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-redaction-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let byPassword = MatrixClient(homeserver: url, auth: .password(user: "@bot:localhost", password: Secret(Self.password),
                                                                        tokenFile: folder + "/token"))
        await #expect { _ = try await byPassword.whoami() } throws: { error in
            let said = "\(error)"
            return said.contains("check MATRIX_USER and MATRIX_PASSWORD") && said.contains("\"password\":\"<redacted>\"")
                && !said.contains("SECRET")
        }
    }

    static func forbidden(_ error: String) -> Response {
        let body = try! JSONSerialization.data(withJSONObject: ["errcode": "M_FORBIDDEN", "error": error])
        return Response(status: .forbidden, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: body)))
    }
}
