import Logging

/// The logger Hummingbird's server is given: the same lines, except the two it logs at error
/// when its run is cancelled as the process stops (`Waiting on child channel:
/// CancellationError()`, `Server shutdown error: Already closed`), which say nothing went
/// wrong and are logged at notice. Operators alert on errors; a stop is not one.
public struct ServerStopLogs: LogHandler {
    var wrapped: any LogHandler

    public static func logger(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.handler = ServerStopLogs(wrapped: logger.handler)
        return quiet
    }

    static func isStopNoise(_ message: String) -> Bool {
        message.hasPrefix("Waiting on child channel: CancellationError") || message == "Server shutdown error: Already closed"
    }

    public func log(event: LogEvent) {
        var event = event
        if event.level == .error, Self.isStopNoise("\(event.message)") { event.level = .notice }
        guard event.level >= wrapped.logLevel else { return }
        wrapped.log(event: event)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }
}
