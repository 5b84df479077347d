import IncidentEngine

/// Times a store's write transaction on the wall clock, from asking for the single writer to
/// the commit's return, into `incident_bot_store_write_seconds`. A duration of the machine's,
/// not the bot's idea of time, so it reads the monotonic clock rather than the injected one.
public enum WriteTiming {
    public static func timed<T>(_ write: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        defer { BotMetrics.storeWrite(ContinuousClock.now - started) }
        return try await write()
    }
}
