import IncidentCore

/// How delivery retries failed sends: the backoff between attempts, when a page fails over to
/// its person's next method, and when an item is given up (a dead letter).
public struct DeliveryRetry: Sendable {
    /// The first retry waits about this long; each further one twice as long.
    public var base: Duration
    /// No wait is longer than this.
    public var ceiling: Duration
    /// Failed attempts of a page on one method before it fails over to the next.
    public var pageAttemptsBeforeFailover: Int
    /// Failed attempts of any item on one platform before it is given up (a dead letter).
    public var giveUpAfter: Int

    /// The defaults, for the config (`delivery:` in incident-bot.yaml) and tests alike.
    public init(base: Duration = .seconds(2), ceiling: Duration = .minutes(5), pageAttemptsBeforeFailover: Int = 4,
                giveUpAfter: Int = 30) {
        self.base = base
        self.ceiling = ceiling
        self.pageAttemptsBeforeFailover = pageAttemptsBeforeFailover
        self.giveUpAfter = giveUpAfter
    }

    public var backoff: Backoff { Backoff(first: base, ceiling: ceiling) }

    /// The wait after `attempts` failures, by the one `Backoff` with jitter, in the whole
    /// seconds the outbox keeps (rounded up, at least 1).
    public func delay(afterAttempts attempts: Int, jitter: Double) -> Duration {
        let wait = backoff.delay(afterFailures: attempts, jitter: jitter)
        let seconds = wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)
        return .seconds(max(1, seconds))
    }

    /// A page's `attempts` as it leaves a method, rounded up to the end of that method's
    /// share: the next method gets its whole `pageAttemptsBeforeFailover`.
    func attemptsLeavingAMethod(_ attempts: Int) -> Int {
        let share = pageAttemptsBeforeFailover
        return (attempts + share - 1) / share * share
    }
}
