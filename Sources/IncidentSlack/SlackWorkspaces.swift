import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentPolicy
import Logging
import Synchronization

/// The Slack workspaces (and Enterprise Grid organisations) the bot serves: those in
/// `slack.allowed_teams`, or else its own, as `auth.test` names it (its whole organisation
/// only when the app is installed on the organisation). A request from any other, or from a
/// Slack Connect user whose own workspace is not served, changes nothing.
///
/// The bot asks as it starts (`SlackWorkspaceCheck`). Until `auth.test` first answers
/// (Slack's Web API down as the bot starts), requests are taken rather than refused: an
/// `/ack` at 3 a.m. must not wait on Slack's API, and the permission rules still keep anyone
/// off the roster from stopping a page. `allowed_teams` closes even that window.
public final class SlackWorkspaces: Sendable {
    let configured: Set<String>
    let api: SlackWebAPI?
    let logger: Logger
    /// The bot's own team and organisation, once `auth.test` has answered.
    let learned = Mutex<Set<String>?>(nil)
    /// When `auth.test` was last asked while the answer is unknown.
    let lastAsked = Mutex<Timestamp?>(nil)
    /// When the bot's own user id was last asked for while unknown (`askForOwnAccountAgainIfDue`).
    let lastOwnAccountAsk = Mutex<Timestamp?>(nil)
    /// The engine's clock.
    let now: @Sendable () -> Timestamp
    /// Where the bot's own user id goes once `auth.test` names it.
    let ownAccounts: (any LearnedAccounts)?
    /// Where accounts of workspaces not served go once `users.info` says so
    /// (`learnWhereNamedAccountsAre`).
    let outsiders: (any LearnedOutsiders)?
    /// The accounts `users.info` has answered for: true when served.
    let answered = Mutex<[String: Bool]>([:])
    /// When `users.info` last failed to answer: not asked again for `askAgainAfter`.
    let lastNamedAccountFailure = Mutex<Timestamp?>(nil)

    public init(allowed: Set<String>, api: SlackWebAPI?, logger: Logger, ownAccounts: (any LearnedAccounts)? = nil,
                outsiders: (any LearnedOutsiders)? = nil, now: @escaping @Sendable () -> Timestamp) {
        configured = allowed
        self.api = api
        self.logger = logger
        self.ownAccounts = ownAccounts
        self.outsiders = outsiders
        self.now = now
    }

    /// What the bot asks as it starts (`SlackWorkspaceCheck`): the workspaces served, and its
    /// own user id.
    public func askAtStart() async {
        // Unconfigured, auth.test names both (and learnOwnAccount then asks nothing).
        if configured.isEmpty { _ = await served() }
        await learnOwnAccount()
    }

    /// With the workspaces configured, the bot's own user id when the ask at start failed:
    /// asked again as requests come, at most every `askAgainAfter`, the request that asks
    /// waiting `firstAnswerWait` at most, so the command it carries is checked against it.
    func askForOwnAccountAgainIfDue() async {
        guard let ownAccounts, !ownAccounts.knows(.slack), api != nil else { return }
        let now = self.now()
        // Taken with the lock, so requests arriving together ask once.
        let due = lastOwnAccountAsk.withLock { last in
            guard last.map({ now - $0 >= Self.askAgainAfter }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        await TimeLimit.answer(within: Self.firstAnswerWait, late: (), cancelLate: false) { await self.learnOwnAccount() }
    }

    /// How long after an unanswered `auth.test` it is asked again.
    static var askAgainAfter: Duration { .seconds(10) }

    /// Asks `auth.test` for the bot's own user id when `served` did not (the workspaces are
    /// configured), so nobody names the bot IC. A failure leaves it unknown; it is logged.
    func learnOwnAccount() async {
        guard let ownAccounts, !ownAccounts.knows(.slack), let api else { return }
        lastOwnAccountAsk.withLock { $0 = now() }
        do {
            if let user = try await api.call("auth.test", [:])["user_id"]?.string { ownAccounts.learn(.slack, account: user) }
        } catch {
            logger.notice("cannot ask Slack for the bot's own user id (auth.test)", metadata: ["error": "\(error)"])
        }
    }

    /// The ids served: the configured ones, or the bot's own (asked of Slack the first time
    /// and kept). nil when none is configured and Slack cannot say yet.
    public func served() async -> Set<String>? {
        if let known = servedIfKnown {
            if !configured.isEmpty { await askForOwnAccountAgainIfDue() }
            return known
        }
        guard let api else { return nil }
        // While Slack cannot say, ask at most every `askAgainAfter`: a request must not wait on
        // auth.test every time (Slack gives a slash command 3 s for its answer).
        let now = self.now()
        let due = lastAsked.withLock { last in
            guard last.map({ now - $0 >= Self.askAgainAfter }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return nil }
        // The request that asks waits for the answer `firstAnswerWait` at most; a slower
        // answer still comes, and serves the requests after it.
        return await TimeLimit.answer(within: Self.firstAnswerWait, late: nil, cancelLate: false) { await self.ask(api) }
    }

    /// The longest a request waits for `auth.test`'s answer.
    static var firstAnswerWait: Duration { .seconds(1) }

    /// Asks Slack which team and organisation the bot is in, and keeps the answer.
    func ask(_ api: SlackWebAPI) async -> Set<String>? {
        do {
            let answer = try await api.call("auth.test", [:])
            if let user = answer["user_id"]?.string { ownAccounts?.learn(.slack, account: user) }
            // Its organisation only when installed on the whole organisation: a workspace's own
            // install in an Enterprise Grid serves that workspace, not its siblings.
            let orgWide = answer["is_enterprise_install"]?.bool == true
            let ids = Set([answer["team_id"]?.string, orgWide ? answer["enterprise_id"]?.string : nil].compactMap { $0 }
                .filter { !$0.isEmpty })
            guard !ids.isEmpty else { return nil }
            learned.withLock { $0 = ids }
            logger.info("Slack workspace served", metadata: ["teams": "\(ids.sorted().joined(separator: ","))"])
            return ids
        } catch where error.isSetupError {
            // A wrong token is the newcomer's likeliest slip, and it keeps this window open as
            // long as the bot runs: said as the error it is, naming what to fix.
            logger.error("Slack refuses the bot's token (auth.test); fix SLACK_BOT_TOKEN. Until it answers, requests are taken from any workspace, or set slack.allowed_teams",
                         metadata: ["error": "\(error)"])
            return nil
        } catch {
            logger.warning("cannot ask Slack which workspace the bot serves (auth.test); requests are taken from any workspace until it answers, or set slack.allowed_teams",
                           metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Whether a request from `origin` is taken.
    public func serves(_ origin: SlackOrigin) async -> Bool {
        guard let served = await served() else { return true }
        return origin.isServed(by: served)
    }

    /// What someone outside is told.
    static let refusal = "incident-bot serves its own Slack workspace only; this request came from another workspace "
        + "or an external account, so nothing was changed."
}
