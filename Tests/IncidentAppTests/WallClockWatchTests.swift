import Foundation
@testable import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentTesting
import Logging
import Testing

/// A wall clock stepped while `serve` runs is told in the log, against the monotonic clock.
@Suite struct WallClockWatchTests {
    typealias Reading = WallClockWatch.Reading

    @Test func aStepIsTheWallClocksMoveBeyondTheTimeThatPassed() {
        let start = Reading(wall: TestConfig.start, monotonic: .seconds(500))
        func after(_ passed: Duration, wallMoved: Int64) -> Reading {
            Reading(wall: start.wall + Duration.seconds(wallMoved), monotonic: start.monotonic + passed)
        }
        // NTP stepping back an hour in 15 s; forward 20 minutes; a VM's clock slewed by seconds.
        #expect(after(.seconds(15), wallMoved: 15 - 3_600).step(since: start) == .seconds(-3_600))
        #expect(after(.seconds(15), wallMoved: 15 + 1_200).step(since: start) == .seconds(1_200))
        #expect(after(.milliseconds(15_400), wallMoved: 15).step(since: start) == nil)
        #expect(after(.seconds(15), wallMoved: 15 - 59).step(since: start) == nil)
    }

    @Test func aStepBackIsAnErrorThatSaysWhatItDelays() {
        let recorder = LogRecorder()
        let watch = WallClockWatch(clock: ManualClock(start: TestConfig.start), every: .seconds(15), logger: recorder.logger)
        watch.tell(.seconds(-3_600))
        watch.tell(.seconds(1_200))
        let lines = recorder.lines.withLock { $0 }, metadata = recorder.metadataOfLines.withLock { $0 }
        #expect(lines.count == 2 && lines[0].hasPrefix("error the wall clock stepped back") && metadata[0]["step"] == "-1h", "\(lines) \(metadata)")
        #expect(lines.count == 2 && lines[1].hasPrefix("warning the wall clock stepped forward") && metadata[1]["step"] == "20m", "\(lines) \(metadata)")
    }
}
