import IncidentCore
import IncidentRules

/// Whether pages still go, read for all of a method's rounds at once instead of once a page:
/// a round of many declarations pages the on-call for each, and a read of its incident for
/// every page cost more than sending it (a console drill of 2,000 declarations spent a sixth
/// of its time there). What was read holds until the store next commits anything
/// (`IncidentStore.commitCount`): an answer that withdraws a page is a commit, and a page
/// tried after one reads again. A store that cannot tell (PostgreSQL, shared by replicas
/// whose commits this process does not see) is read once a page, as before.
extension Delivery {
    /// A page read to go (or not), and the store's commit count before that read.
    struct CheckedPage: Sendable {
        var goes: Bool
        var commits: Int
    }

    /// Reads, in one transaction, whether each page among `items` still goes
    /// (`Incident.withdrawal(of:)`), each incident once; returns the ids checked. `commits` is
    /// the store's count taken before the read. A failed read checks nothing: each page then
    /// reads for itself, and fails there.
    func checkPages(_ items: [OutboxItem], commits: Int) async -> [Int64] {
        let pages = items.compactMap { item -> (id: Int64, incident: Int, page: Page)? in
            guard case .effect(.page(let page)) = item.job, let id = item.id, let incident = item.incident else { return nil }
            return (id, incident, page)
        }
        guard !pages.isEmpty, let read = try? await store.read({ records in
            var incidents: [Int: Incident?] = [:]
            return try pages.compactMap { page -> (Int64, Bool)? in
                if incidents[page.incident] == nil { incidents[page.incident] = .some(try records.readableIncident(page.incident)?.incident) }
                // An incident that cannot be read leaves its page unchecked: `withdraw` reads it.
                guard let incident = incidents[page.incident] ?? nil else { return nil }
                return (page.id, incident.withdrawal(of: page.page) == nil)
            }
        }) else { return [] }
        checkedPages.withLock { kept in for (id, goes) in read { kept[id] = CheckedPage(goes: goes, commits: commits) } }
        return read.map(\.0)
    }

    /// Whether the page with outbox id `id` was read to go with nothing committed since; the
    /// check is taken once.
    func pageWasReadToGo(_ id: Int64) -> Bool {
        guard let checked = checkedPages.withLock({ $0.removeValue(forKey: id) }), let commits = store.commitCount else { return false }
        return checked.goes && checked.commits == commits
    }

    /// Forgets the checks of `ids` not taken.
    func forgetPageChecks(_ ids: some Sequence<Int64>) {
        checkedPages.withLock { kept in for id in ids { kept[id] = nil } }
    }
}
