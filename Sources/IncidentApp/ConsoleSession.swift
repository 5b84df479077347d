import Foundation
import IncidentCommands
import IncidentCore
import IncidentEngine
import IncidentPolicy
import Synchronization

/// The console platform: reads `[#room] user: text` lines, hands them to the engine as the
/// roster's people, prints every reply and everything delivery sends.
///
/// After each line it fires what is due and drains the outbox before reading the next. On a
/// manual clock nothing else fires or delivers, so a transcript is deterministic, and
/// `:advance` steps through every due time on the way, as a scheduler that never slept late
/// would; on the live clock the scheduler and delivery also run on their own, as in `serve`.
///
/// With `batch` above 1 (standard input is a file: a drill replayed), up to that many
/// consecutive chat lines are decided in one transaction, as a burst of events arriving
/// together would be, and their replies printed in order before delivery; any other line
/// (`:advance`, `:now`) ends a batch. From a terminal or a pipe every line is its own.
public final class ConsoleSession<Clock: IncidentClock>: Sendable {
    let engine: Engine<Clock>
    let delivery: Delivery<Clock>
    let output: ConsoleOutput
    /// Non-nil when the clock is manual (`--clock manual`): `:advance` moves it.
    let manualClock: ManualClock?
    let lobby: String
    let botName: String
    /// The most chat lines decided in one transaction.
    let batch: Int
    /// A line's event id is this session's id and the line's number in it: unique across
    /// sessions as a fresh UUID a line would be, without reading the system's random source
    /// for every line (a drill's thousands of opens of `/dev/urandom`).
    let sessionID = UUID().uuidString
    let linesSaid = Atomic<Int>(0)

    public init(engine: Engine<Clock>, delivery: Delivery<Clock>, output: ConsoleOutput, manualClock: ManualClock?,
                botName: String = "incident-bot", batch: Int = 1) {
        self.batch = max(1, batch)
        self.engine = engine
        self.delivery = delivery
        self.output = output
        self.manualClock = manualClock
        self.lobby = engine.settings.broadcastRooms[.console] ?? "incidents"
        self.botName = botName
    }

    var zone: LocalZone { engine.settings.policy.timeZone }

    /// A `[clock]` line's time: to the second when it is not on a whole minute, so two steps
    /// in one minute (a response target missed the second after its deadline) read apart.
    func clockText(_ instant: Timestamp) -> String {
        zone.civil(instant).isoDate + " " + zone.secondClockTime(instant)
    }

    /// Reads lines until `:quit` or the end of input.
    public func run(_ lines: some AsyncSequence<String, Never>) async {
        output.line("[clock] \(clockText(engine.clock.now)) — incident-bot console; \(ConsoleLine.usage)")
        // On the live clock the scheduler's service does it as it starts (`Scheduler.run`).
        if manualClock != nil {
            do {
                try await engine.handOverToTheRoster()
            } catch {
                output.line("[error] cannot check open incidents' pages against the roster: \(error)")
            }
        }
        await settle()
        var said: [Said] = []
        for await line in lines {
            if batch > 1, case .success(.say(let room, let user, let text)) = ConsoleLine.parse(line) {
                said.append(Said(room: room ?? lobby, user: user, text: text))
                if said.count >= batch { await say(said); said = [] }
                continue
            }
            if !said.isEmpty { await say(said); said = [] }
            guard await process(line) else { return }
        }
        if !said.isEmpty { await say(said) }
    }

    /// A chat line of a batch.
    struct Said {
        var room: String
        var user: String
        var text: String
    }

    /// Handles one input line; false when the session should end.
    public func process(_ raw: String) async -> Bool {
        switch ConsoleLine.parse(raw) {
        case .failure(let error):
            output.line("[error] \(error)")
        case .success(.nothing):
            break
        case .success(.quit):
            return false
        case .success(.help):
            output.line("[help] \(ConsoleLine.usage); the people are \(people)")
        case .success(.now):
            output.line("[clock] \(clockText(engine.clock.now))")
        case .success(.rooms):
            await listRooms()
        case .success(.advance(let duration)):
            await advance(by: duration)
        case .success(.say(let room, let user, let text)):
            await say(room: room ?? lobby, user: user, text: text)
        }
        return true
    }

    var people: String {
        engine.settings.roster.people.keys.sorted().map(\.rawValue).joined(separator: ", ")
    }

    func say(room: String, user: String, text: String) async {
        await say([Said(room: room, user: user, text: text)])
    }

    /// Decides the lines in one transaction, prints what each got in order, then fires what
    /// is due and delivers.
    func say(_ lines: [Said]) async {
        let known = lines.map { engine.settings.roster.people[PersonID($0.user)] != nil }
        let events = zip(lines, known).filter(\.1).map { line, _ in
            ChatEvent(platform: .console, id: "console-\(sessionID)-\(linesSaid.add(1, ordering: .relaxed).newValue)",
                      room: line.room, user: line.user, text: line.text)
        }
        var outcomes: [EngineOutcome] = []
        var failure: (any Error)?
        do {
            outcomes = try await engine.handle(events, checkpoint: nil)
        } catch {
            failure = error
        }
        var decided = outcomes.makeIterator()
        for (line, isKnown) in zip(lines, known) {
            guard isKnown else {
                output.line("[error] unknown user “\(line.user.prefix(40))”; the console speaks as the roster's people: \(people)")
                continue
            }
            if let failure {
                output.line("[error] the store failed; nothing was changed: \(failure)")
            } else if let outcome = decided.next() {
                if outcome.disposition == .ignored, case .failure(let error) = CommandParser.parse(line.text), error.kind == .notACommand {
                    output.line("[error] not a command: commands start with / or !, as in /incident help")
                } else if outcome.disposition == .ignored {
                    output.line("[error] ignored: @\(line.user) is over \(engine.settings.commandsPerMinute) commands a minute")
                } else if let reply = outcome.reply {
                    output.message("#" + line.room, "\(botName) to @\(line.user)", reply.consoleText)
                }
            }
        }
        await settle()
    }

    func advance(by duration: Duration) async {
        guard let clock = manualClock else {
            output.line("[error] :advance needs the manual clock: start with --clock manual --start 2026-11-22T10:00:00Z")
            return
        }
        let target = clock.now + duration
        // Step through every due time on the way, oldest first.
        for _ in 0..<100_000 {
            guard let next = try? await engine.nextDue(), next <= target else { break }
            if next > clock.now {
                clock.advance(to: next)
                output.line("[clock] \(clockText(next))")
            }
            await settle()
            if let again = try? await engine.nextDue(), again <= clock.now { break }
        }
        if target > clock.now {
            clock.advance(to: target)
            output.line("[clock] \(clockText(target))")
        }
        await settle()
    }

    /// Fires what is due now and delivers everything deliverable.
    public func settle() async {
        do {
            try await engine.fireDue()
        } catch {
            output.line("[error] the scheduler could not fire: \(error)")
        }
        await delivery.drain()
    }

    func listRooms() async {
        let open = (try? await engine.store.read { try $0.openIncidents() }) ?? []
        guard !open.isEmpty else {
            output.line("[rooms] #\(lobby) (the lobby); no incident rooms open")
            return
        }
        output.line("[rooms] #\(lobby) (the lobby)")
        for stored in open {
            let incident = stored.incident
            output.line("[rooms] #\(incident.room) \(incident.id) \(incident.severity) \(incident.phase.rawValue)")
        }
    }
}

/// Standard input as lines, read on a thread of its own so no task blocks on it.
public enum StandardInput {
    /// Whether standard input is a regular file (`< drill.txt`), not a terminal or a pipe:
    /// then every line is there to read, and the console may decide lines in batches.
    public static var isRegularFile: Bool {
        var status = stat()
        return fstat(0, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// How many consecutive chat lines the console decides in one transaction: 256 from a
    /// file, where every line is there to read; one at a time from a terminal or a pipe.
    public static var linesPerTransaction: Int { isRegularFile ? 256 : 1 }

    public static func lines() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
    }
}
