import IncidentCore
import IncidentHTTP
import IncidentTesting
import Testing

/// Refusals anyone can cause (a request to the PagerDuty or Twilio callbacks, or to Slack's
/// door, without a valid signature; a body too big or too slow) are logged once every 10 s
/// with their count: a line each let one client write a gigabyte of log an hour.
@Suite struct RefusalLogTests {
    @Test func refusalsAreLoggedOnceAPeriodWithTheirCount() {
        let recorder = LogRecorder()
        let refusals = RefusalLog(door: "pagerduty", reasons: [.signature], every: .seconds(10))
        for second in 0..<5 {
            refusals.warning("PagerDuty webhook refused: not signed", reason: .signature, metadata: ["door": "test"], at: TestConfig.start + .seconds(second),
                             logger: recorder.logger)
        }
        #expect(recorder.lines.withLock { $0 } == ["warning PagerDuty webhook refused: not signed"])
        refusals.warning("PagerDuty webhook refused: not signed", reason: .signature, at: TestConfig.start + .seconds(10), logger: recorder.logger)
        #expect(recorder.lines.withLock { $0 }.count == 2)
        let second = recorder.metadataOfLines.withLock { $0 }.last ?? [:]
        #expect(second["refused.total"] == "6" && second["refused.unlogged"] == "4", "\(second)")
        #expect(recorder.metadataOfLines.withLock { $0 }.first?["door"] == "test")
    }
}
