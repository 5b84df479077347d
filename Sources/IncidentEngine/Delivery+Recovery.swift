import IncidentCore

extension Delivery {
    /// A provider that failed for now (PagerDuty's 500s, a relay down) and has just taken an
    /// attempt again: its other items waiting out a backoff go now, each once, instead of at
    /// the end of a wait that grew through the outage. After PagerDuty came back, an
    /// acknowledgement made during its outage reached it a minute later, and PagerDuty, which
    /// escalates an alert it has not heard acknowledged, could page the next person meanwhile.
    /// `read`: this pass's items, by method; an item since withdrawn or delivered is not moved.
    func bringForwardOnRecovery(_ read: [ContactMethod: [OutboxItem]]) async {
        // Only the methods read here: each method's loop shares the process's memory. Each
        // item once: on a provider failing every other request, it would otherwise be tried at
        // every success and use its attempts up in moments.
        let now = clock.now
        let waiting = memory.providerOutages.withLock { outages in
            let here = outages.recovered.intersection(read.keys)
            outages.recovered.subtract(here)
            let items = here.flatMap { read[$0] ?? [] }.filter { $0.attempts > 0 && !$0.isDue(at: now) }
                .compactMap { item in item.id.map { (id: $0, method: item.method) } }
                .filter { !outages.broughtForward.contains($0.id) }
            outages.broughtForward.formUnion(items.map(\.id))
            return items
        }
        guard !waiting.isEmpty else { return }
        do {
            try await store.write { records in
                // Only its due time: an attempt made or an operator's retry since this pass read it stands.
                for item in waiting { try records.bringForward(item.id, to: now) }
            }
            logger.info("a provider answers again; its items waiting out a backoff go now", metadata: [
                "method": "\(Set(waiting.map(\.method.rawValue)).sorted().joined(separator: ","))", "items": "\(waiting.count)"])
        } catch {
            logger.error("cannot bring waiting items forward", metadata: ["error": "\(error)"])
        }
    }
}
