import IncidentCore
import IncidentEngine
import Logging
import ServiceLifecycle

/// At start, asks Slack (`users.info`) about every roster person's Slack account and warns
/// about the ones that do not exist or are deactivated: their pages would fail over or fail,
/// and the time to find that out is before an incident. Never stops the bot.
public struct SlackRosterCheck: Service {
    let api: SlackWebAPI
    let accounts: [(person: PersonID, account: String)]
    let logger: Logger

    public init(api: SlackWebAPI, directory: Directory, logger: Logger) {
        self.api = api
        accounts = directory.roster.people.values.compactMap { person in
            directory.account(person.id, on: .slack).map { (person.id, $0) }
        }.sorted { $0.person.rawValue < $1.person.rawValue }
        self.logger = logger
    }

    /// The people whose account Slack does not know or has deactivated, with the reason.
    public func problems() async -> [(person: PersonID, reason: String)] {
        var found: [(PersonID, String)] = []
        for (person, account) in accounts {
            do {
                let answer = try await api.call("users.info", ["user": account])
                if answer["user"]?["deleted"]?.bool == true { found.append((person, "\(account) is deactivated")) }
            } catch where error.code == "user_not_found" {
                found.append((person, "\(account) is not in this workspace"))
            } catch {
                logger.notice("roster check against Slack skipped", metadata: ["error": "\(error)"])
                return found
            }
        }
        return found
    }

    public func run() async throws {
        for (person, reason) in await problems() {
            logger.warning("roster: a Slack account does not work; pages to this person will fail over or fail",
                           metadata: ["person": "\(person)", "reason": "\(reason)"])
        }
        try? await gracefulShutdown()
    }
}
