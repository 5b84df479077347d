import IncidentCore
import IncidentEngine
import Testing

/// A flood of one failure costs a log line a period, and the line says how many it stood for.
@Suite struct LogThrottleTests {
    @Test func oneLineAPeriodCountingTheOnesLeftOut() {
        let throttle = LogThrottle(every: .seconds(60))
        let start = Timestamp(secondsSinceEpoch: 1_000_000)
        #expect(throttle.admit(at: start) == 0)
        for second in 1...59 {
            #expect(throttle.admit(at: start + .seconds(Int64(second))) == nil)
        }
        #expect(throttle.admit(at: start + .seconds(60)) == 59)
        #expect(throttle.admit(at: start + .seconds(61)) == nil)
        #expect(throttle.admit(at: start + .seconds(200)) == 1)
    }
}
