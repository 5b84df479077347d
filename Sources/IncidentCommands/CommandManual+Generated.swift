// Generated from commands/*.md by `UPDATE_COMMAND_MANUAL=1 swift test --filter CommandManualTests`.
// Do not edit: change the Markdown and generate again.

extension CommandManual {
    public static let entries: [Entry] = [
        Entry(
            name: .declare,
            syntax: ["/incident declare <title> [--sev P0..P3] [--ic @user] [--private]"],
            summary: "Opens a new incident: creates its room, invites the declarer and the incident commander, sets the topic, posts the kickoff message, and starts the update cadence and both escalation ladders.",
            whoMayUse: "Anyone the bot serves (its Slack workspace, its allowed Matrix servers). Only people on the roster may name an incident commander with --ic, since that acknowledges the page.",
            examples: ["/incident declare Payment API errors --sev P1", "!incident declare Payment API errors --sev P1", "/incident declare \"Checkout   500s\" --ic @alice", "/incident declare --sev=critical Database down --ic <@U0123ABC|alice>", "/INCIDENT DECLARE login broken --SEV sev-2", "/incident declare Überlastung der Datenbank --ic @carol:example.org", "/incident declare Checkout down —sev P0", "/incident declare Customer data exposed --sev P1 --private"]
        ),
        Entry(
            name: .status,
            syntax: ["/incident status [INC-N | #incident-room]"],
            summary: "Shows one incident's summary: severity, status, roles, age, the last update and when the next is due.",
            whoMayUse: "Anyone.",
            examples: ["/incident status", "/incident status INC-42", "/incident status #incident-20261122-db-outage"]
        ),
        Entry(
            name: .list,
            syntax: ["/incident list"],
            summary: "Lists every open incident (not yet closed), most severe first.",
            whoMayUse: "Anyone.",
            examples: ["/incident list", "!incident   LIST"]
        ),
        Entry(
            name: .mitigated,
            syntax: ["/incident mitigated [INC-N | #incident-room]"],
            summary: "Marks the incident mitigated: customers are no longer hurt, though the cause may not be fixed.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/incident mitigated", "/incident mitigated INC-7"]
        ),
        Entry(
            name: .resolve,
            syntax: ["/incident resolve [INC-N | #incident-room] [summary]"],
            summary: "Resolves the incident, with an optional summary of what happened.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/incident resolve", "/incident resolve Rolled back release 2026.11.3; error rate normal", "/incident resolve INC-3 fixed by failover"]
        ),
        Entry(
            name: .close,
            syntax: ["/incident close [INC-N | #incident-room]", "/incident close [INC-N | #incident-room] --force <why>"],
            summary: "Closes a resolved incident once its post-mortem is done and its action items are; closed incidents leave `/incident list` and get no more reminders.",
            whoMayUse: "The incident commander, the declarer and incident admins; with `--force`, incident admins only. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/incident close", "/incident close INC-12", "/incident close --force follow-ups tracked in JIRA-123"]
        ),
        Entry(
            name: .postmortem,
            syntax: ["/incident postmortem [INC-N | #incident-room]"],
            summary: "Renders the post-mortem draft from the incident's record.",
            whoMayUse: "Anyone.",
            examples: ["/incident postmortem", "/incident postmortem INC-9"]
        ),
        Entry(
            name: .escalation,
            syntax: ["/incident escalation [INC-N | #incident-room]"],
            summary: "Shows who has been paged for the incident, and who will be paged when if nothing changes.",
            whoMayUse: "Anyone.",
            examples: ["/incident escalation", "/incident escalation INC-5"]
        ),
        Entry(
            name: .help,
            syntax: ["/incident help [command]"],
            summary: "Shows how to use every command, or one command in detail.",
            whoMayUse: "Anyone.",
            examples: ["/incident help", "/incident", "/incident help sev", "/incident help /ack", "/incident help declare", "/incident help incident resolve"]
        ),
        Entry(
            name: .snooze,
            syntax: ["/incident snooze [INC-N | #incident-room] <duration | off>"],
            summary: "Silences the status-update nudges of an incident for a while, when the incident commander is heads down and knows an update is due; pages are never snoozed.",
            whoMayUse: "The incident commander and incident admins. An incident without an incident commander cannot be snoozed: the nudges are how the bot asks for one. From outside the incident's room: roster people and admins only.",
            examples: ["/incident snooze 30m", "/incident snooze INC-7 1h", "!incident snooze 1h30m", "/incident snooze off"]
        ),
        Entry(
            name: .call,
            syntax: ["/incident call [INC-N | #incident-room] <link | off>"],
            summary: "Sets or changes the link to the incident's call (its bridge), or removes it; P0 and P1 incidents get one from the policy when they are declared.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/incident call https://meet.example.com/abc-defg-hij", "/incident call INC-4 https://zoom.example.com/j/123456", "/incident call <https://meet.example.com/abc|meet.example.com/abc>", "/incident call off"]
        ),
        Entry(
            name: .started,
            syntax: ["/incident started [INC-N | #incident-room] <HH:MM | YYYY-MM-DD HH:MM>"],
            summary: "Says when the impact began, so time to detect (from then to the declaration) is measured.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/incident started 09:42", "/incident started INC-3 2026-11-24 09:42", "/incident started 9:05"]
        ),
        Entry(
            name: .makePrivate,
            syntax: ["/incident private [INC-N | #incident-room]"],
            summary: "Makes an incident private from now on, when it turns out to be about security or exposed data: nothing more goes to the broadcast channel, and what leaves its room names it by number only.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident. Only an incident admin can make it public again, with `/incident public`.",
            examples: ["/incident private", "/incident private INC-7", "!incident private"]
        ),
        Entry(
            name: .makePublic,
            syntax: ["/incident public [INC-N | #incident-room]"],
            summary: "Makes a private incident public again; only an incident admin may, because it lets the title out.",
            whoMayUse: "Incident admins only.",
            examples: ["/incident public", "/incident public INC-7"]
        ),
        Entry(
            name: .sev,
            syntax: ["/sev [INC-N | #incident-room] <P0..P3> [reason]"],
            summary: "Changes the incident's severity, with an optional reason.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/sev P0 checkout down in every region", "/SEV p1", "/sev sev1", "/sev SEV-1", "/sev critical", "!sev INC-42 P2 only EU affected"]
        ),
        Entry(
            name: .ic,
            syntax: ["/ic [INC-N | #incident-room] @user", "/ic [INC-N | #incident-room] @user handover: <note>"],
            summary: "Assigns the incident commander.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/ic @alice", "/ic <@U0123ABC|alice>", "/ic <@U0123ABC>", "!ic @alice:example.org", "!ic https://matrix.to/#/@alice:example.org", "/ic INC-42 @bob", "/ic bob", "/ic @bob handover: rollback running, DB team paged", "/ic INC-42 @bob HANDOVER: going off shift"]
        ),
        Entry(
            name: .role,
            syntax: ["/role [INC-N | #incident-room] <comms|scribe|lead> @user"],
            summary: "Assigns one of the other incident roles: comms lead, scribe or technical lead.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            examples: ["/role comms @carol", "/role scribe <@U0456DEF|dave>", "!role lead @erin:example.org", "/role ic @bob", "/role ic @bob handover: going off shift", "/role INC-8 communications @frank"]
        ),
        Entry(
            name: .update,
            syntax: ["/update [INC-N | #incident-room] <text> [status: ...] [impact: ...] [next: ...] [eta: ...]"],
            summary: "Posts a status update in the room and to the broadcast channel, and restarts the update timer.",
            whoMayUse: "Anyone the bot serves, in the incident's room; from outside it (a lobby, a direct message), people on the roster and admins only. Only an update from the incident's responders (its IC, role holders and declarer, the roster, admins, anyone paged for it) restarts the update timer and sets the topic's status: missed updates page up the engineering ladder, and nobody the bot does not trust may hold that back.",
            examples: ["/update Rolled back the deploy", "/update Rolled back the deploy status: monitoring impact: 5% of checkouts fail next: watch error rates eta: 15:00 UTC", "/update status: identified impact: EU logins", "!update INC-4 Failover done. Status: monitoring"]
        ),
        Entry(
            name: .ack,
            syntax: ["/ack [INC-N | #incident-room]"],
            summary: "Acknowledges a page: you have seen it and are on the incident. Stops the engineering ladder.",
            whoMayUse: "People the engineering ladder paged for this incident.",
            examples: ["/ack", "!ack INC-42", "/ack #incident-20261122-payment-api-errors"]
        ),
        Entry(
            name: .note,
            syntax: ["/note [INC-N | #incident-room] <text>"],
            summary: "Adds an entry to the incident's timeline.",
            whoMayUse: "Anyone the bot serves, in the incident's room; from outside it (a lobby, a direct message), people on the roster and admins only.",
            examples: ["/note Restarted db-primary-2", "/note  can't reach \"the vault\"  ", "!note INC-3 saw 502s from the edge"]
        ),
        Entry(
            name: .action,
            syntax: ["/action [INC-N | #incident-room] @owner <what is to be done> [due: <day or duration>]", "/action done [INC-N | #incident-room] <A-number>", "/action list [INC-N | #incident-room | --mine | --overdue]"],
            summary: "Adds a follow-up action item to an incident, with an owner and perhaps a due day; marks one done; lists them.",
            whoMayUse: "Adding: the incident's responders (people on the roster, anyone paged for it, and once an IC is named its IC and declarer). Marking done: the owner, and whoever may lead the incident (the IC, the declarer, incident admins). Listing: anyone. From outside the incident's room, changes come from roster people and admins only.",
            examples: ["/action @alice Add an alert on queue depth due: 2026-12-05", "/action INC-7 @bob Write the runbook for failover due: 3d", "!action @carol Review the rollback procedure", "/action @dave Page on disk due: tomorrow", "/action done A2", "/action done INC-7 3", "/action list", "/action list INC-7", "/action list --mine", "/action list --overdue"]
        ),
    ]
}
