import IncidentCore
import Synchronization

/// What delivery knows of items that no record in the database says, kept for the whole
/// process: on replicas each leader term gets a `Delivery` made afresh, and a term can end
/// (a database outage past the lease) between a send and its record. The process that sent a
/// text, a call or a mail is the only one that knows it went out; forgetting that at the end of
/// its term would page the person again when it leads next.
public final class DeliveryMemory<Clock: IncidentClock>: Sendable {
    /// Items sent whose record failed (a store error, or a term that ended first), by id:
    /// pending still, and the next attempt records what was sent instead of sending it again.
    /// A text, a call or a mail has nothing to look for, and a store that keeps failing must
    /// not page someone again with every retry.
    let sentUnrecorded = Mutex<[Int64: Delivery<Clock>.Sent]>([:])
    /// The methods that refused each page for good (by outbox id): a failover passes them
    /// over. Forgotten once the page is given up or delivered.
    let refusedMethods = Mutex<[Int64: Set<ContactMethod>]>([:])
    /// Providers whose last page attempt hung (`Delivery.hungAttempt`), with until when (on the
    /// clock's `elapsed`, which a wall-clock step does not move) a page on them that has
    /// another method goes there without trying this one: a provider that never answers made
    /// the tenth page queued on it ten time limits late, one after another, whoever it was for.
    /// Cleared by a page delivered on the method.
    let hungMethods = Mutex<[ContactMethod: Duration]>([:])
    /// Providers whose last attempt failed for now (down, not a rate limit), those that have
    /// since taken one again, whose items waiting out a backoff are brought forward, and the
    /// items brought forward so, each once (`Delivery.bringForwardOnRecovery`).
    let providerOutages = Mutex<ProviderOutages>(ProviderOutages())
    struct ProviderOutages {
        var failing: Set<ContactMethod> = []
        var recovered: Set<ContactMethod> = []
        var broughtForward: Set<Int64> = []
    }
    /// How many times in a row each sent item's record failed while the store took other
    /// writes (`Delivery.setAsideIfUnsavable`).
    let recordFailures = Mutex<[Int64: Int]>([:])

    public init() {}

    /// Whether `method`'s last page attempt hung less than `Delivery.hungMethodPassedOver` ago,
    /// `elapsed` being the clock's now.
    func isHung(_ method: ContactMethod, at elapsed: Duration) -> Bool {
        hungMethods.withLock { $0[method] }.map { $0 > elapsed } ?? false
    }

    /// Forgets what is kept about items now finished (delivered, given up, withdrawn).
    func forget(_ ids: some Collection<Int64>) {
        guard !ids.isEmpty else { return }
        sentUnrecorded.withLock { kept in if !kept.isEmpty { for id in ids { kept[id] = nil } } }
        refusedMethods.withLock { kept in if !kept.isEmpty { for id in ids { kept[id] = nil } } }
        recordFailures.withLock { kept in if !kept.isEmpty { for id in ids { kept[id] = nil } } }
        providerOutages.withLock { kept in if !kept.broughtForward.isEmpty { for id in ids { kept.broughtForward.remove(id) } } }
    }
}
