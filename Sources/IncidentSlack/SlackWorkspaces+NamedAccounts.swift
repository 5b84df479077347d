import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentPolicy
import IncidentWire

/// A Slack user id does not say which workspace the account is in, and a command may name
/// anyone its author can mention: in a channel shared with another organisation, an account
/// there. Before such a command is decided, Slack (`users.info`) is asked where each account
/// it names is, so the rules refuse one outside as IC, role holder or action owner.
extension SlackWorkspaces {
    /// Asks `users.info` about each account `text` mentions that `isRoster` does not know and
    /// Slack has not answered for yet (at most `mostAsked` a command); those in a workspace
    /// not served, or that Slack does not know, go to `outsiders`. The command waits
    /// `namedAccountsWait` at most: an answer later than that still counts for the next command.
    /// Until Slack has answered for an account (its Web API slow or down, the bot's own
    /// workspace not known yet), the account is not named IC, to a role or as an action's owner
    /// (`LearnedOutsiders.isUnanswered`); every other command naming it goes on.
    public func learnWhereNamedAccountsAre(in text: String, isRoster: @Sendable (String) -> Bool) async {
        guard let outsiders, let api, text.contains("<@") else { return }
        // Asked again too: one Slack said is outside that `outsiders` no longer keeps (past its
        // bound), which would otherwise be taken as served.
        let unanswered = Self.mentionedAccounts(in: text).filter { account in
            guard !isRoster(account) else { return false }
            guard let served = answered.withLock({ $0[account] }) else { return true }
            return !served && !outsiders.isOutside(.unlisted(.slack, account))
        }
        for account in unanswered { outsiders.asking(.unlisted(.slack, account)) }
        let unasked = Array(unanswered.prefix(Self.mostAsked))
        // Not while the workspaces served are unknown (`auth.test` unanswered: a command must
        // not wait for it twice), nor for a while after Slack failed to answer.
        let now = self.now()
        guard !unasked.isEmpty, let served = servedIfKnown,
              lastNamedAccountFailure.withLock({ $0.map { now - $0 >= Self.askAgainAfter } ?? true }) else { return }
        await TimeLimit.answer(within: Self.namedAccountsWait, late: (), cancelLate: false) {
            await withTaskGroup(of: Void.self) { group in
                for account in unasked {
                    group.addTask { await self.askWhere(api, is: account, served: served, outsiders: outsiders) }
                }
            }
        }
    }

    /// The longest a command waits for Slack to say where the accounts it names are: it
    /// comes out of the three seconds Slack gives a slash command's answer.
    static var namedAccountsWait: Duration { .milliseconds(500) }

    /// The workspaces served when known without asking: configured, or learned.
    var servedIfKnown: Set<String>? {
        configured.isEmpty ? learned.withLock { $0 } : configured
    }

    /// The most accounts one command has Slack asked about.
    static var mostAsked: Int { 5 }

    /// The most answers kept; past it they are forgotten and asked again.
    static var mostAnswersKept: Int { 10_000 }

    func askWhere(_ api: SlackWebAPI, is account: String, served: Set<String>, outsiders: any LearnedOutsiders) async {
        let isServed: Bool
        do {
            let user = try await api.call("users.info", ["user": account])["user"]
            // Its own team, its organisation, and in an Enterprise Grid the organisation's
            // workspaces it is a member of.
            let grid = user?["enterprise_user"]
            let teams = [user?["team_id"]?.string, grid?["enterprise_id"]?.string].compactMap { $0 }
                + (grid?["teams"]?.array ?? []).compactMap(\.string)
            isServed = teams.contains(where: served.contains)
        } catch where error.code == "user_not_found" || error.code == "user_not_visible" {
            isServed = false
        } catch {
            let now = self.now()
            let first = lastNamedAccountFailure.withLock { last in
                defer { last = now }
                return last.map { now - $0 >= Self.askAgainAfter } ?? true
            }
            if first {
                logger.notice("cannot ask Slack which workspace a named account is in (users.info); it is not named to a role until Slack answers",
                              metadata: ["error": "\(error)"])
            }
            return
        }
        answered.withLock { answers in
            if answers.count >= Self.mostAnswersKept { answers.removeAll() }
            answers[account] = isServed
        }
        if isServed { outsiders.learnServed(.unlisted(.slack, account)) } else { outsiders.learn(.unlisted(.slack, account)) }
    }

    /// The user ids in Slack's escaped mentions (`<@U0123>`, `<@W0123|name>`), in order, once each.
    static func mentionedAccounts(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<@") {
            let id = rest[open.upperBound...].prefix { $0.isASCII && ($0.isUppercase || $0.isNumber) }
            if !id.isEmpty, !found.contains(String(id)) { found.append(String(id)) }
            rest = rest[open.upperBound...]
        }
        return found
    }
}
