import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IncidentApp
import IncidentSQLite
import IncidentTesting
import Logging
import Prometheus
import SlackFake
import Testing

/// The admin listener of a real `incident-bot serve` against the fake Slack: alive, ready while
/// Slack answers and not while it is down, and metrics that Prometheus's own linter accepts.
@Suite struct AdminListenerTests {
    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// `/readyz` asked until it answers `status`, for at most 10 s: a shared answer stands 2 s.
    static func readiness(_ port: Int, _ path: String, until status: Int) async throws -> (status: Int, body: String) {
        let deadline = ContinuousClock.now + .seconds(10)
        var answer = try await get(port, path)
        while answer.status != status, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await get(port, path)
        }
        return answer
    }

    @Test func healthReadinessAndMetricsOfARunningBot() async throws {
        let fake = FakeSlack(users: Array(SlackHarness.users.values))
        try await fake.start()
        defer { Task { await fake.stop() } }
        let (process, stderr) = try SlackServeProcessTests.serve(on: fake)
        defer { if process.isRunning { process.terminate() } }
        let ports = await SlackServeProcessTests.ports(from: stderr.fileHandleForReading, of: ["HTTP listener", "admin listener"])
        let http = try #require(ports["HTTP listener"])
        let admin = try #require(ports["admin listener"])

        #expect(try await Self.get(admin, "/healthz").status == 200)
        // An uptime checker's HEAD is answered as the GET would be, without its body.
        var head = URLRequest(url: URL(string: "http://127.0.0.1:\(admin)/healthz")!)
        head.httpMethod = "HEAD"
        let (headBody, headResponse) = try await URLSession.shared.data(for: head)
        #expect((headResponse as? HTTPURLResponse)?.statusCode == 200 && headBody.isEmpty)
        // Ready once the store has written and Slack answered auth.test: a moment after the
        // listeners open, longer on a loaded machine.
        var ready = try await Self.get(admin, "/readyz")
        let readyBy = Date().addingTimeInterval(20)
        while ready.status != 200, Date() < readyBy {
            try await Task.sleep(for: .milliseconds(100))
            ready = try await Self.get(admin, "/readyz")
        }
        #expect(ready.status == 200, "\(ready.body)")
        for line in ["ready", "store: ok", "slack: ok", "role: leader"] { #expect(ready.body.contains(line), "\(ready.body)") }

        #expect(try await SlackServeProcessTests.slash(port: http, "declare Admin check --sev P2", user: "U0ALICE01").status == 200)
        #expect(try await SlackServeProcessTests.slash(port: http, "declare", user: "U0ALICE01").status == 200)
        try await waitFor { fake.posted.count >= 2 }
        // Someone without the signing secret: refused, and counted by door and reason.
        var unsigned = URLRequest(url: URL(string: "http://127.0.0.1:\(http)/slack/events")!)
        unsigned.httpMethod = "POST"
        unsigned.httpBody = Data("command=%2Fincident&text=resolve".utf8)
        let (_, refusal) = try await URLSession.shared.data(for: unsigned)
        #expect((refusal as? HTTPURLResponse)?.statusCode == 401)
        // A delivery is counted once it is recorded, a moment after the fake has the post.
        var metrics = try await Self.get(admin, "/metrics")
        let deadline = TestTools.patientDeadline
        while !metrics.body.contains("incident_bot_delivery_latency_seconds_count"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            metrics = try await Self.get(admin, "/metrics")
        }
        #expect(metrics.status == 200)
        for series in [#"incident_bot_commands_total{outcome="handled"} 1"#, #"incident_bot_commands_total{outcome="refused"} 1"#,
                       #"incident_bot_outbox_items{method="slack",state="failed"} 0"#, "incident_bot_leader 1",
                       #"incident_bot_build_info{version="\#(BotVersion.current)",sqlite_schema="\#(BotVersion.schemas.sqlite)",postgres_schema="\#(BotVersion.schemas.postgres)"} 1"#,
                       "# HELP incident_bot_commands_total", "incident_bot_delivery_latency_seconds_count",
                       // In the buckets made for them, not Prometheus's defaults.
                       #"incident_bot_events_per_transaction_bucket{le="1.0"}"#, #"incident_bot_store_write_seconds_bucket{le="0.00025"}"#,
                       // Counters of what has not happened yet are there at 0 from the start: an
                       // alert on the first failed page sees it.
                       #"incident_bot_pages_total{method="slack",result="failed"} 0"#,
                       #"incident_bot_messages_total{method="slack",result="retried"} 0"#,
                       #"incident_bot_commands_total{outcome="duplicate"} 0"#, "incident_bot_http_connections_refused_total 0",
                       #"incident_bot_requests_refused_total{door="slack",reason="signature"} 1"#,
                       #"incident_bot_requests_refused_total{door="slack",reason="stale"} 0"#] {
            #expect(metrics.body.contains(series), "no \(series) in:\n\(metrics.body)")
        }
        // The two declarations, one after the other: two transactions of one command each, and
        // those and delivery's records among the writes.
        func value(_ series: String) -> Double? {
            metrics.body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(value("incident_bot_events_per_transaction_count") == 2 && value("incident_bot_events_per_transaction_sum") == 2,
                "\(metrics.body)")
        #expect(value(#"incident_bot_events_per_transaction_bucket{le="1.0"}"#) == 2)
        #expect((value("incident_bot_store_write_seconds_count") ?? 0) >= 2)
        // Prometheus's own linter (Debian's prometheus package; .ci/run installs it): it throws
        // with what it found when the scrape is not clean, and when it cannot run at all.
        let body = metrics.body
        _ = try await TestTools.offPool { try TestTools.run("/usr/bin/promtool", ["check", "metrics"], input: Data(body.utf8)) }

        // Slack down: not ready, and why, once the last answer's 2 s are over (probes that come
        // together share one call: `SharedCheck`); Slack back: ready again.
        fake.inject(.outage)
        let down = try await Self.readiness(admin, "/readyz", until: 503)
        #expect(down.status == 503 && down.body.contains("slack: auth.test failed"), "\(down.body)")
        #expect(down.body.contains("store: ok"))
        // What a load balancer asks: the HTTP doors (acknowledge links, SMS replies, PagerDuty's
        // webhook) need the store only, and must stay in service while Slack is down.
        let doors = try await Self.get(admin, "/readyz?check=store")
        #expect(doors.status == 200 && doors.body.contains("store: ok") && !doors.body.contains("slack"), "\(doors.body)")
        let unknown = try await Self.get(admin, "/readyz?check=stroe")
        #expect(unknown.status == 400 && unknown.body == "no check stroe; there are store, slack\n", "\(unknown.body)")
        #expect(try await Self.get(admin, "/readyz?check=").status == 400, "no check named is not ready")
        // The parameter repeated is every check it names, not the first alone (a probe written
        // so said ready while Slack was down).
        let repeated = try await Self.get(admin, "/readyz?check=store&check=slack")
        #expect(repeated.status == 503 && repeated.body.contains("slack: auth.test failed"), "\(repeated.body)")
        #expect(try await Self.get(admin, "/readyz?check=store&check=bogus").status == 400)
        fake.endOutage()
        #expect(try await Self.readiness(admin, "/readyz", until: 200).status == 200)

        process.terminate()
        try await TestTools.waitForExit(process)
        let log = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!log.contains(SlackHarness.secret) && !log.contains(FakeSlack.botToken), "a secret was logged")
    }

    /// The admin listener is often published inside a cluster: a flood of idle connections
    /// took file descriptors delivery needs and was never closed, and 32 of them kept the
    /// kubelet's probes out. Past its cap a new connection (a probe) takes the place of the one
    /// idle the longest, and one that sends nothing is closed after the idle time (5 s here,
    /// so that on a loaded machine the held connections are not closed before they are asked).
    @Test func idleAndSurplusConnectionsAreClosed() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let store = try SQLiteStore(path: folder.appendingPathComponent("admin.sqlite").path)
        let listener = AdminListener(host: "127.0.0.1", port: 0, checks: [AdminListener.storeCheck(store)],
                                     registry: PrometheusCollectorRegistry(), store: store, maxConnections: 4,
                                     idleTimeout: .seconds(5), logger: Logger(label: "admin-test"))
        let server = try await RunningServer.start { onRunning in listener.application(onListening: onRunning) }
        defer { Task { await server.stop() } }
        let script = """
            import socket, sys, time
            port = int(sys.argv[1])
            def ask(s):
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                except OSError:
                    pass
                return s
            def answer(s):
                s.settimeout(10)
                try:
                    answer = s.recv(4096)
                except OSError:
                    return "closed"
                return answer.split(b" ")[1].decode() if answer else "closed"
            # Each asked as it opens, so none is idle before its answer.
            held = [ask(socket.create_connection(("127.0.0.1", port))) for _ in range(4)]
            print("held", *sorted(set(answer(s) for s in held)))
            print("extra", answer(ask(socket.create_connection(("127.0.0.1", port)))))
            start = time.time()
            held[0].settimeout(20)
            print("idle", "closed" if held[0].recv(1) == b"" else "open", "in time" if time.time() - start < 12 else "late")
            """
        let output = try await TestTools.offPool { try TestTools.run("/usr/bin/env", ["python3", "-c", script, "\(server.port)"]) }
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines == ["held 200", "extra 200", "idle closed in time"], "\(lines)")
    }
}
