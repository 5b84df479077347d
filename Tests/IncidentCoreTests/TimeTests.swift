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
        ("0s", 0), (" 1H ", 3_600), ("2D", 172_800), ("1d2h3m4s", 93_784),
    ])
    func readsDurations(text: String, seconds: Int64) {
        #expect(DurationText.parse(text)?.wholeSeconds == seconds)
    }

    /// `2M` is refused, not read as minutes: people write it for months as often. A unit
    /// written twice, or a smaller before a larger, is a slip (`/incident snooze 30m30m` was an hour).
    @Test(arguments: ["", "m", "15", "-5m", "1.5h", "15 m", "1y", "9999999999999h", "2M", "1h30M", "30m30m", "30m1h", "1h1h"])
    func refusesWhatIsNotADuration(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    /// What a refusal says of text shaped as a duration: a slip in its units, or too long.
    @Test func aDurationsSlipIsNamed() {
        for text in ["30m30m", "30m1h", "1d1d", "1h30m30m", "1000001w2d1h1h"] { #expect(DurationText.slip(text) == .unitOrder, "\(text)") }
        for text in ["10000000d", "2000000w", "9999999999999h"] { #expect(DurationText.slip(text) == .tooLarge, "\(text)") }
        for text in ["30m", "", "30dd", "d30", "2M", "1.5h", "30"] { #expect(DurationText.slip(text) == nil, "\(text)") }
    }

    @Test func anActionDueInCapitalMIsNoDueDay() {
        #expect(ActionDue(parsing: "2M") == nil)
        #expect(ActionDue(parsing: "2W") != nil)
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

    /// Only the time zone database's names are zones: Foundation also reads an abbreviation
    /// (`BST` as Bangladesh on Linux, London on macOS) or an offset (`GMT+1`, no summer time),
    /// and a London team's `BST` would have held its pages to 04:00.
    @Test func abbreviationsAndOffsetsAreNotTakenForZones() {
        for name in ["BST", "PST", "CST", "IST", "EST", "CET", "SST", "AET", "ECT", "GMT+1", "UTC+2", "Factory", "europe/berlin", ""] {
            #expect(LocalZone(identifier: name) == nil, "\(name)")
            #expect(LocalZone.refusal(of: name) != nil, "\(name)")
        }
        #expect(LocalZone.refusal(of: "BST")?.contains("abbreviation") == true)
        #expect(LocalZone.refusal(of: "SST")?.contains("legacy") == true)
        #expect(LocalZone.refusal(of: "GMT+1")?.contains("offset") == true)
        for name in ["UTC", "GMT", "Etc/UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Asia/Calcutta", "Australia/Lord_Howe",
                     "Etc/GMT-1", "EST5EDT"] {
            #expect(LocalZone(identifier: name)?.identifier == name, "\(name)")
        }
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

    /// `/incident started HH:MM` is a reading of that time not after now. In the hour New York
    /// repeats on 1 November, it is the later one not after the declaration: at 01:45 by the
    /// second reading, 01:44 is a minute ago, not an hour and a minute; but for an incident
    /// declared at 01:50 by the first reading, 01:30 is the first 01:30, before it, which the
    /// latest reading not after now made impossible to say. A time the night of 8 March
    /// skipped names nothing (read as an hour before or after, the start moved by an hour
    /// without a word), unless today's has not come yet: then it is yesterday's.
    @Test func impactStartAcrossDaylightSaving() throws {
        let newYork = try #require(LocalZone(identifier: "America/New_York"))
        func ago(_ start: ImpactStart, at now: Timestamp, declaredAt: Timestamp? = nil) -> Duration? {
            guard case .at(let instant) = start.instant(at: now, declaredAt: declaredAt ?? now, zone: newYork) else { return nil }
            return now - instant
        }
        let repeated = try #require(Timestamp(iso8601: "2026-11-01T06:45:00Z"))
        #expect(ago(ImpactStart(hour: 1, minute: 44), at: repeated) == .minutes(1))
        #expect(ago(ImpactStart(hour: 1, minute: 50), at: repeated) == .minutes(55))
        let secondReading = try #require(Timestamp(iso8601: "2026-11-01T06:40:00Z"))
        let declaredInTheFirst = try #require(Timestamp(iso8601: "2026-11-01T05:50:00Z"))
        #expect(ago(ImpactStart(hour: 1, minute: 30), at: secondReading, declaredAt: declaredInTheFirst) == .minutes(70))
        #expect(ago(ImpactStart(day: newYork.civil(repeated), hour: 1, minute: 30), at: secondReading, declaredAt: declaredInTheFirst) == .minutes(70))
        let skipped = try #require(Timestamp(iso8601: "2026-03-08T07:10:00Z"))
        for minute in [0, 5, 30] {
            #expect(ImpactStart(hour: 2, minute: minute).instant(at: skipped, declaredAt: skipped, zone: newYork)
                    == .skipped(CivilTime(year: 2026, month: 3, day: 8, hour: 2, minute: minute)))
        }
        #expect(ago(ImpactStart(hour: 1, minute: 59), at: skipped) == .minutes(11))
        // A time not yet reached today is yesterday's: 22 h 59 m ago, the night an hour short.
        #expect(ago(ImpactStart(hour: 3, minute: 11), at: skipped) == .hours(22) + .minutes(59))
        // Before the change, 02:30 has not come yet today.
        let beforeTheChange = try #require(Timestamp(iso8601: "2026-03-08T06:45:00Z"))
        #expect(ago(ImpactStart(hour: 2, minute: 30), at: beforeTheChange) == .hours(23) + .minutes(15))
    }
}
