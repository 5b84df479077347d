import Foundation
import IncidentCore
import IncidentEngine
import IncidentTesting
import IncidentWire
import Testing

/// `incident-bot outbox` as an operator runs it against the bot's database: dead letters are
/// listed with their reasons, and one can be retried or dropped by key.
@Suite struct OutboxCommandTests {
    @Test func anOperatorSeesRetriesAndDropsDeadLetters() async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let bot = try TestBot(path: path, retry: .init(base: .seconds(1), ceiling: .seconds(2), pageAttemptsBeforeFailover: 100,
                                                       giveUpAfter: 2))
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        for _ in 0..<6 {
            bot.clock.advance(by: .seconds(2))
            await bot.delivery.drain()
        }
        let run = { (arguments: [String]) async throws -> BotProcess.Result in
            try await BotProcess.run(["outbox"] + arguments + ["--config", BotProcess.config, "--db", path])
        }
        let failed = try await run(["--failed"])
        #expect(failed.status == 0, "\(failed.stderr)")
        #expect(failed.stdout.hasPrefix("Failed outbox items, most recent first"))
        #expect(failed.stdout.contains("INC-1/1@slack  slack  create #incident-20261124-payment-api-errors (INC-1)"), "\(failed.stdout)")
        #expect(failed.stdout.contains("reason: gave up after 2 attempts: platform down"))
        // The room's posts had no room to go to; the pages failed over to Matrix instead.
        #expect(failed.stdout.contains("reason: the incident has no room on slack"))
        #expect(bot.matrix.directMessages.contains { $0.person == "alice" })

        // Retried, the room's creation is pending again from its first attempt.
        let retried = try await run(["retry", "INC-1/1@slack"])
        #expect(retried.status == 0, "\(retried.stderr)")
        let pending = try await run([])
        #expect(pending.stdout.contains("INC-1/1@slack  slack  create #incident-20261124-payment-api-errors (INC-1)  not tried yet"),
                "\(pending.stdout)")
        // Dropped, it is failed again with the operator's reason, and never sent.
        let dropped = try await run(["drop", "INC-1/1@slack", "--reason", "made the channel by hand\n\u{1B}[31mRED"])
        #expect(dropped.status == 0, "\(dropped.stderr)")
        // A room's creation given up takes its posts and invitations with it: the operator hears so.
        #expect(dropped.stdout.contains("The incident has no room on slack now: its posts and invitations there are given up"),
                "\(dropped.stdout)")
        // A reason is shown on its line, whatever it holds: no line break, no terminal escape.
        let listed = try await run(["--failed"]).stdout
        #expect(listed.contains("reason: made the channel by hand\\n\\u{1b}[31mRED\n"), "\(listed)")
        #expect(!listed.contains("\u{1B}"))
        // Cut at --limit, the list says what it leaves out, by method: a backlog of posts hid
        // the pages stuck behind it.
        let cut = try await run(["--failed", "--limit", "1"]).stdout
        #expect(cut.split(separator: "\n").last?.hasPrefix("… and ") == true && cut.contains("more not shown ("), "\(cut)")
        #expect(cut.hasSuffix("); --limit shows more\n"), "\(cut)")
        #expect(!(try await run(["--failed"]).stdout.contains("not shown")))
        let none = try await run(["--failed", "--limit", "0"])
        #expect(none.status != 0 && none.stderr.contains("--limit 0 lists nothing; give 1 or more"), "\(none.stderr)")
        // A negative limit is read as one, not as an option that leaves --limit without a value.
        let negative = try await run(["--failed", "--limit", "-5"])
        #expect(negative.status != 0 && negative.stderr.contains("--limit -5 lists nothing; give 1 or more"), "\(negative.stderr)")
        #expect(try await run([]).stdout == "Nothing waits in the outbox.\n")

        let unknown = try await run(["retry", "INC-9/1@slack"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "incident-bot: no outbox item has the key INC-9/1@slack; `incident-bot outbox --failed` lists those given up\n")
        #expect(try await run(["retry", ""]).stderr == "incident-bot: give the item's key, as `incident-bot outbox` lists it\n")

        // A database its owner made read-only: a key that matches nothing changes nothing in
        // it, not even its mode (it was made 0600, writable); one that matches is kept private
        // without being made writable (here as root, who writes it all the same).
        #expect(chmod(path, 0o444) == 0)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        // Nor does one whose item has nothing to do: dropping one given up already wrote the
        // file, and made it private, to say there was no such item.
        for (command, reason) in [(["retry", "INC-9/1@slack"], "has the key INC-9/1@slack"), (["drop", "INC-9/1@slack"], "has the key INC-9/1@slack"),
                                  (["drop", "INC-1/1@slack"], "INC-1/1@slack is not waiting to be delivered: it was given up already")] {
            let refused = try await run(command)
            #expect(refused.status == 1 && refused.stderr.contains(reason), "\(command): \(refused.stderr)")
            #expect(PrivateFile.mode(path) == 0o444, "\(command)")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == before)
        let kept = try await run(["retry", "INC-1/1@slack"])
        #expect(PrivateFile.mode(path) == 0o400)
        if geteuid() == 0 {
            #expect(kept.status == 0, "\(kept.stderr)")
        } else {
            #expect(kept.status == 1 && kept.stderr.contains("readonly"), "\(kept.stderr)")
        }
    }

    /// A page an operator drops (it was made by hand, say) is not sent, and the incident's
    /// timeline says so: before, only the outbox row knew, and the record still read as if
    /// everyone had been paged.
    @Test func aDroppedPageIsOnTheIncidentsTimeline() async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let bot = try TestBot(path: path)
        bot.slack.behave(.down(retryAfter: nil))
        bot.matrix.behave(.down(retryAfter: nil))
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        await bot.delivery.drain()
        let page = try #require(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.first { item in
            if case .effect(.page(let page)) = item.job { page.person == "alice" } else { false }
        })
        let dropped = try await BotProcess.run(["outbox", "drop", page.key, "--reason", "called her by phone", "--config", BotProcess.config,
                                          "--db", path])
        #expect(dropped.status == 0, "\(dropped.stderr)")
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @alice (on-call engineer, engineering L1) dropped by an operator, not to be tried again: "
                                  + "called her by phone."), "\(timeline)")
        // Nor is she shown as paged (`/incident escalation`, the export).
        let pages = try #require(try await bot.store.read { try $0.incident(1) }).incident.pages
        #expect(pages.contains { $0.person == "alice" } && pages.filter { $0.person == "alice" }.allSatisfy { $0.withdrawn == true },
                "\(pages)")
        let view = try await bot.say("U0ERIN005", "/incident escalation INC-1").reply?.plainText() ?? ""
        let parts = view.components(separatedBy: "Never sent")
        #expect(parts.count == 2 && !parts[0].contains("@alice") && parts[1].contains("engineering.L1 on-call engineer: @alice"), "\(view)")
        let posing = try await BotProcess.run(["outbox", "drop", "INC-1/2@slack", "--reason", "withdrawn: by me", "--config", BotProcess.config,
                                         "--db", path])
        #expect(posing.status == 1 && posing.stderr.contains("a reason may not start with"), "\(posing.stderr)")
        // A reason goes on the timeline as a note would: one is given, and no longer than a note.
        let blank = try await BotProcess.run(["outbox", "drop", "INC-1/2@slack", "--reason", "  ", "--config", BotProcess.config, "--db", path])
        #expect(blank.status == 1 && blank.stderr.contains("give a reason"), "\(blank.stderr)")
        let long = try await BotProcess.run(["outbox", "drop", "INC-1/2@slack", "--reason", String(repeating: "x", count: 4_001),
                                       "--config", BotProcess.config, "--db", path])
        #expect(long.status == 1 && long.stderr.contains("a reason is at most 4000 characters"), "\(long.stderr)")
        // What it quotes stays one line of text: escapes do not act, and a long key is cut.
        let odd = try await BotProcess.run(["outbox", "drop", "\u{1B}]0;PWNED\u{07}\u{1B}[31mRED" + String(repeating: "k", count: 100_000),
                                      "--config", BotProcess.config, "--db", path])
        #expect(odd.status == 1 && odd.stderr.contains("\\u{1b}]0;PWNED\\u{7}\\u{1b}[31mRED") && !odd.stderr.contains("\u{1B}"), "\(odd.stderr.prefix(300))")
        #expect(odd.stderr.utf8.count <= 2_001 && odd.stderr.hasSuffix("…\n"), "\(odd.stderr.suffix(100))")
        #expect(try await bot.store.read { try $0.outboxItem(key: "INC-1/2@slack") }.map { _ in true } == true)
        #expect(try await bot.store.read { try $0.outboxListing(.failed, limit: 100) }.contains { $0.key == "INC-1/2@slack" } == false)
    }
}
