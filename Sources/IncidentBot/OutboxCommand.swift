import ArgumentParser
import Foundation
import IncidentApp
import IncidentCommands
import IncidentCore
import IncidentEngine
import IncidentRules

/// `incident-bot outbox`: the operator's view of delivery. Safe while the bot runs: SQLite
/// serialises the writes, and the running bot picks a retried item up on its next pass.
struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what waits to be delivered or was given up (--failed), retry or drop one by key.",
        subcommands: [List.self, Retry.self, Drop.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pending items, or failed ones with their reasons.")

        @OptionGroup var options: CommonOptions

        @Flag(help: "Show the failed items (dead letters) instead of the pending ones.")
        var failed = false

        // Unconditional: `--limit -5` is read as its value and refused as one, not as an
        // option `-5` that leaves `--limit` without a value.
        @Option(parsing: .unconditional, help: "At most this many items (1 or more).")
        var limit = 100

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit \(limit) lists nothing; give 1 or more") }
        }

        func run() async throws {
            do {
                let loaded = try options.load(allowExampleRoster: true)
                let store = try options.openStore(try options.location(), mustExist: true, readOnly: true)
                let state: OutboxItem.State = failed ? .failed : .pending
                let limit = limit
                let (listings, counts) = try await store.read { try ($0.outboxListing(state, limit: limit), $0.unfinishedOutbox()) }
                print(OutboxReport.text(listings, state: state, zone: loaded.policy.timeZone, counts: counts), terminator: "")
            } catch {
                Self.fail(error)
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver a failed (or backing-off) item again now, from its first attempt.")

        @OptionGroup var options: CommonOptions

        @Argument(help: "The item's key, as `incident-bot outbox --failed` shows it.")
        var key: String

        func run() async throws {
            do {
                let noneSuch = Failure("no outbox item has the key \(key); `incident-bot outbox --failed` lists those given up")
                // A key that matches nothing to retry changes nothing: looked for read-only first.
                guard let (item, state) = try await options.outboxItem(key) else { throw noneSuch }
                if state == .delivered { throw Failure("\(key) was delivered; there is nothing to retry") }
                if item.lastError?.hasPrefix(OutboxItem.withdrawnMark) == true {
                    throw Failure("\(key) was withdrawn before it went out (its reason says why) and is never sent")
                }
                let store = try options.openStore(try options.location(), mustExist: true)
                let now = LiveClock().now
                let key = key
                guard try await store.write({ try $0.retryOutbox(key: key, at: now) }) else { throw noneSuch }
                print("\(key) will be delivered again on the bot's next pass.")
            } catch {
                Self.fail(error)
            }
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give up a pending item: it is kept as failed and not tried again (one a running bot is sending that moment still arrives).")

        @OptionGroup var options: CommonOptions

        @Argument(help: "The item's key, as `incident-bot outbox` shows it.")
        var key: String

        // Unconditional: a reason may open with a dash (`--reason "-- paged by hand"`).
        @Option(parsing: .unconditional, help: "Why, for the record.")
        var reason = "dropped by an operator"

        func run() async throws {
            do {
                let key = key
                // It goes on the incident's timeline when the item is a page, as a note would.
                let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !reason.isEmpty else { throw Failure("give a reason (--reason), for the record; or leave it out for “dropped by an operator”") }
                guard reason.count <= CommandParser.maxTextLength else {
                    throw Failure("a reason is at most \(CommandParser.maxTextLength) characters, as a note is; this one has \(reason.count)")
                }
                guard !reason.hasPrefix(OutboxItem.withdrawnMark) else {
                    throw Failure("a reason may not start with “\(OutboxItem.withdrawnMark)”: that marks what the bot itself withdrew")
                }
                let noneSuch = Failure("no pending outbox item has the key \(key); `incident-bot outbox` lists them")
                guard let (_, state) = try await options.outboxItem(key) else { throw noneSuch }
                if state != .pending { throw Failure("\(key) is not waiting to be delivered: it was \(state == .delivered ? "delivered" : "given up already")") }
                let store = try options.openStore(try options.location(), mustExist: true)
                let now = LiveClock().now
                let dropped = try await store.write { records -> OutboxItem?? in
                    let item = try records.outboxItem(key: key)
                    guard try records.dropOutbox(key: key, reason: reason, at: now) else { return nil }
                    // A page not sent is part of the incident's record: not shown as paged, and
                    // on the timeline with why.
                    if case .effect(.page(let page))? = item?.job, let number = item?.incident,
                       let stored = try records.readableIncident(number) {
                        let (incident, entry) = stored.incident.pageDroppedByOperator(page, reason: reason, at: now, madeAt: item?.createdAt)
                        try records.save(StoredIncident(incident: incident, home: stored.home))
                        try records.appendTimeline([entry], incident: number)
                    }
                    return .some(item)
                }
                guard let item = dropped else { throw noneSuch }
                print("\(key) is given up: \(reason).")
                // Every post and invitation of the room now fails as having no room, at once.
                if case .effect(.createRoom)? = item?.job, let method = item?.method {
                    print("The incident has no room on \(method) now: its posts and invitations there are given up as they come "
                          + "(`incident-bot outbox --failed`); to make the room after all, retry this key, then retry them.")
                }
            } catch {
                Self.fail(error)
            }
        }
    }
}
