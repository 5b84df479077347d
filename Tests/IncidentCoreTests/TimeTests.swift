import IncidentCore
import Testing

@Suite struct TimeTests {
    @Test(arguments: [
        ("2026-11-22T10:00:00Z", Int64(1_795_341_600)),
        ("2026-11-22T10:00Z", 1_795_341_600),
        ("2026-11-22T11:00:00+01:00", 1_795_341_600),
        ("2026-11-22T05:30-04:30", 1_795_341_600),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
    ])
    func readsISO8601(text: String, seconds: Int64) {
        #expect(Timestamp(iso8601: text) == Timestamp(secondsSinceEpoch: seconds))
    }

    @Test(arguments: ["", "2026-11-22", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-31T10:00:00Z",
                      "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z", "2026-11-22T10:00:00", "2026-11-22T10:00:00Zjunk",
                      "２０２６-11-22T10:00:00Z", "2026-11-22T10:00:00+1:00"])
    func refusesWhatIsNotAnInstant(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func printsWhatItReads() {
        for seconds: Int64 in [0, -1, 1_795_341_600, 951_782_400, 4_102_444_799] {
            let instant = Timestamp(secondsSinceEpoch: seconds)
            #expect(Timestamp(iso8601: instant.description) == instant, "\(instant)")
        }
        #expect(Timestamp(secondsSinceEpoch: 1_795_341_600).description == "2026-11-22T10:00:00Z")
    }

    @Test(arguments: [
        ("15m", Int64(900)), ("1h", 3_600), ("2h30m", 9_000), ("5d", 432_000), ("1w", 604_800), ("90s", 90),
        ("0s", 0), (" 1H ", 3_600),
    ])
    func readsDurations(text: String, seconds: Int64) {
        #expect(DurationText.parse(text)?.wholeSeconds == seconds)
    }

    @Test(arguments: ["", "m", "15", "-5m", "1.5h", "15 m", "1y", "9999999999999h"])
    func refusesWhatIsNotADuration(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func formatsDurationsShortest() {
        #expect(DurationText.format(.minutes(90)) == "1h30m")
        #expect(DurationText.format(.hours(48)) == "2d")
        #expect(DurationText.format(.seconds(0)) == "0s")
        #expect(DurationText.format(.minutes(15)) == "15m")
    }

    @Test func localZoneShiftsDateAndClock() throws {
        let lateEvening = try #require(Timestamp(iso8601: "2026-11-22T23:30:00Z"))
        let berlin = try #require(LocalZone(identifier: "Europe/Berlin"))
        #expect(berlin.civil(lateEvening).compactDate == "20261123")
        #expect(berlin.clockTime(lateEvening).hasPrefix("00:30 "))
        #expect(LocalZone.utc.clockTime(lateEvening) == "23:30 UTC")
        let summer = try #require(Timestamp(iso8601: "2026-07-01T12:00:00Z"))
        #expect(berlin.offsetSeconds(at: summer) == 7_200)
        #expect(LocalZone(identifier: "Mars/Olympus_Mons") == nil)
    }

    /// Whole days are calendar days in the zone: at 23:30 on the eve of a change to daylight
    /// saving time, `tomorrow` is the next day (24 hours on is the day after it), and at 00:30
    /// on the day it ends, `tomorrow` is still tomorrow (24 hours on is the same day).
    @Test func actionDaysCountOnTheCalendarAcrossDaylightSaving() throws {
        let newYork = try #require(LocalZone(identifier: "America/New_York"))
        let springEve = try #require(Timestamp(iso8601: "2026-03-08T04:30:00Z"))  // Sat 7 March 23:30 EST
        #expect(ActionDue(parsing: "tomorrow")?.civilDay(from: springEve, zone: newYork).isoDate == "2026-03-08")
        #expect(ActionDue(parsing: "1w")?.civilDay(from: springEve, zone: newYork).isoDate == "2026-03-14")
        let fallNight = try #require(Timestamp(iso8601: "2026-11-01T04:30:00Z"))  // Sun 1 November 00:30 EDT
        #expect(ActionDue(parsing: "tomorrow")?.civilDay(from: fallNight, zone: newYork).isoDate == "2026-11-02")
        #expect(ActionDue(parsing: "today")?.civilDay(from: fallNight, zone: newYork).isoDate == "2026-11-01")
        // Hours are hours.
        #expect(ActionDue(parsing: "36h")?.civilDay(from: fallNight, zone: newYork).isoDate == "2026-11-02")
    }

    /// `/incident started HH:MM` is the latest reading of that time not after now: in the hour
    /// New York repeats on 1 November, at 01:45 by the second reading, 01:44 is a minute ago, not
    /// an hour and a minute; on 8 March at 03:10, 02:30 and 02:05 (times the night skipped) are
    /// 40 and 65 minutes ago, as the wall clock subtracts, not yesterday's and five minutes.
    @Test func impactStartIsTheLatestReadingAcrossDaylightSaving() throws {
        let newYork = try #require(LocalZone(identifier: "America/New_York"))
        let repeated = try #require(Timestamp(iso8601: "2026-11-01T06:45:00Z"))
        #expect(repeated - ImpactStart(hour: 1, minute: 44).instant(at: repeated, zone: newYork) == .minutes(1))
        #expect(repeated - ImpactStart(hour: 1, minute: 50).instant(at: repeated, zone: newYork) == .minutes(55))
        let skipped = try #require(Timestamp(iso8601: "2026-03-08T07:10:00Z"))
        #expect(skipped - ImpactStart(hour: 2, minute: 30).instant(at: skipped, zone: newYork) == .minutes(40))
        #expect(skipped - ImpactStart(hour: 2, minute: 5).instant(at: skipped, zone: newYork) == .minutes(65))
        // A time not yet reached today is yesterday's: 22 h 59 m ago, the night an hour short.
        #expect(skipped - ImpactStart(hour: 3, minute: 11).instant(at: skipped, zone: newYork) == .hours(22) + .minutes(59))
    }
}
