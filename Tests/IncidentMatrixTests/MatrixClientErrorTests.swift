import IncidentEngine
import IncidentMatrix
import IncidentWire
import SlackFake
import Testing

/// What a homeserver failure means for delivery: retry, or give up.
@Suite struct MatrixClientErrorTests {
    /// A 4xx that carries no Matrix `errcode` is not the homeserver's answer (a proxy's or a
    /// firewall's page, a homeserver URL with the wrong path): retried, not given up. Any HTTP
    /// server that is no homeserver answers so; the fake Slack serves here.
    @Test func a4xxWithoutAnErrcodeIsRetried() async throws {
        let notAHomeserver = FakeSlack(users: [])
        try await notAHomeserver.start()
        defer { Task { await notAHomeserver.stop() } }
        let client = MatrixClient(homeserver: notAHomeserver.apiURL, auth: .token(Secret("token")))
        do {
            _ = try await client.call(.PUT, "rooms/%21room%3Alocalhost/send/m.room.message/txn1", body: ["msgtype": "m.text", "body": "hi"])
            Issue.record("the call succeeded")
        } catch {
            guard case .unavailable = error.transportError else {
                Issue.record("\(error) is given up: \(error.transportError)")
                return
            }
        }
    }
}
