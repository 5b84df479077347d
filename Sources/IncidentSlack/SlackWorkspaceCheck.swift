import ServiceLifecycle

/// At start, asks Slack which workspace the bot serves (`auth.test`), on every replica: until
/// it knows, the endpoint takes requests from any workspace (`SlackWorkspaces`), and asking
/// before the first request closes that window before a command can arrive instead of at it.
/// A failed ask is asked again by the next request, at most every 10 seconds. It also learns the
/// bot's own user id (`SlackWorkspaces.learnOwnAccount`). Never stops the bot.
public struct SlackWorkspaceCheck: Service {
    let workspaces: SlackWorkspaces

    public init(workspaces: SlackWorkspaces) {
        self.workspaces = workspaces
    }

    public func run() async throws {
        await workspaces.askAtStart()
        try? await gracefulShutdown()
    }
}
