// Generated from commands/*.md by `UPDATE_COMMAND_MANUAL=1 swift test --filter CommandManualTests`.
// Do not edit: change the Markdown and generate again.

extension CommandManual {
    public static let entries: [Entry] = [
        Entry(
            name: .declare,
            syntax: ["/incident declare <title> [--sev P0..P3] [--ic @user] [--private]"],
            summary: "Opens a new incident: creates its room, invites the declarer and the incident commander, sets the topic, posts the kickoff message, and starts the update cadence and both escalation ladders.",
            whoMayUse: "Anyone the bot serves (its Slack workspace, its allowed Matrix servers). Only people on the roster may name an incident commander with --ic, since that acknowledges the page. Someone not on the roster may declare three incidents an hour, and all such people together ten; past that the declaration is refused with its reason and nothing is paged.",
            whatItDoes: ["The incident gets the next number, `INC-N`, and a room named `incident-YYYYMMDD-title` (the date in the configured time zone; the title folded to ASCII, lowercased, with dashes; a taken name gets `-2`, `-3`, ...). Without `--sev` the policy's default severity applies (P2 in the shipped policy). The engineering ladder pages its first level at once; for P0 and P1 the business ladder notifies its first level at once; P0 also pages the VP engineering at once. The declaration is announced in the broadcast channel.", "A declaration with the title of an incident declared in the last ten minutes (case, spacing and punctuation aside) that is still investigating or mitigated declares nothing new: you are invited to that incident's room and told where it is. It is the command typed again after Slack showed an error for a late answer, or a second responder declaring the same alert. With a higher `--sev`, an `--ic` naming someone other than its incident commander, another title, ten minutes on (a repeat just past midnight is still matched), or after the incident was resolved, it is a new incident. Of two open incidents with the title, it is the one whose room you typed it in, else the most severe. A private incident is never matched; `--private` with an open public incident's title is that incident, and the answer gives `/incident private INC-N` to make it private.", "`--private` declares a private incident, for security and data exposure: its room is a private Slack channel or a Matrix room closed to guests, named `incident-YYYYMMDD-private` so the name tells nothing; nothing goes to the broadcast channel; pages and direct messages name it by number only; and `/incident list` shows its details only to its members and incident admins (see `/incident private`).", "Severity may be written `P1`, `p1`, `sev1`, `SEV-1`, `S1`, or with the words `critical` (P0), `high` or `major` (P1), `medium` or `moderate` (P2), `low` or `minor` (P3); after `--sev`, as after `/sev`, also as its number alone (`--sev 1`), as a title's label (`[P1]`), or with a phone's full stop or comma after it (`--sev P1.`). Options may stand anywhere in the line and as `--sev=P1`; the dash a phone or a Mac makes of `--` (`—sev P0`) works too before `sev`, `severity`, `ic`, `commander` and `private`, also with a space after it (`db down – private`, where the option reads as one: `private` last or before another option, `sev` before a severity, `ic` before a mention) or in full width (`－－private`), and a single `-` before `sev` and `private` (`- private` too, with a space, at the end of the line). A severity written into the title as tickets write one is the severity too: as the first word `[P0]`, `(SEV1)`, `P1:`, `SEV-1`, `P0` or `Sev 1`; anywhere `sev:P0`, `sev: P0` or `severity=1`, and behind such a label the title opens with, a word too (`Sev: critical payments down`); and `-s P0` (`-s` is `--sev`, so `-s low` is a P3). Otherwise in the title only the codes count (`P0`, `SEV-1`), not words like `low`; a bare `P3` in front is a word (`p3 instances`) unless a separator follows it (`P3 - …`), and past the first word a code in brackets or alone stays in the title, though the answer then says how to raise the incident to it, as it does for a severity's word or `S0` to `S2` written as a label (`[critical]`, `(sev: critical)`; first, `CRITICAL:`, `*critical*`, `Critical -` or `S1`). `[private]`, `(private)` anywhere (run into a word or another label too, as `[P1][private]`, and in full-width brackets, `（private）`) and `private:` in front make it private. Put a title in quotes to keep words that look like options; quotes around a phrase within it stay (`Checkout says \"card declined\"`, the error as shown)."],
            examples: ["/incident declare Payment API errors --sev P1", "!incident declare Payment API errors --sev P1", "/incident declare \"Checkout   500s\" --ic @alice", "/incident declare Checkout says \"card declined\" --sev P2", "/incident declare --sev=critical Database down --ic <@U0123ABC|alice>", "/INCIDENT DECLARE login broken --SEV sev-2", "/incident declare Überlastung der Datenbank --ic @carol:example.org", "/incident declare Checkout down —sev P0", "/incident declare Customer data exposed --sev P1 --private"]
        ),
        Entry(
            name: .status,
            syntax: ["/incident status [INC-N | #incident-room]"],
            summary: "Shows one incident's summary: severity, status, roles, age, the last update and when the next is due.",
            whoMayUse: "Anyone.",
            whatItDoes: ["Inside an incident room it shows that incident; elsewhere name it by number or room. The answer goes only to the asker and changes nothing."],
            examples: ["/incident status", "/incident status INC-42", "/incident status #incident-20261122-db-outage"]
        ),
        Entry(
            name: .list,
            syntax: ["/incident list"],
            summary: "Lists every open incident (not yet closed): those still under way first, then the resolved ones waiting to be closed, each most severe first.",
            whoMayUse: "Anyone.",
            whatItDoes: ["One line per incident: number, severity, status, title, incident commander and room. The answer goes only to the asker."],
            examples: ["/incident list", "!incident   LIST"]
        ),
        Entry(
            name: .mitigated,
            syntax: ["/incident mitigated [INC-N | #incident-room]"],
            summary: "Marks the incident mitigated: customers are no longer hurt, though the cause may not be fixed.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["Records the time to mitigate, sets the status in the topic to `mitigated`, and stops both escalation ladders (the business ladder climbs only until mitigation). Status-update nudges go on until the incident is resolved."],
            examples: ["/incident mitigated", "/incident mitigated INC-7"]
        ),
        Entry(
            name: .resolve,
            syntax: ["/incident resolve [INC-N | #incident-room] [summary]"],
            summary: "Resolves the incident, with an optional summary of what happened.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["Records the time to resolve, stops every ladder and every nudge, announces the resolution in the room and the broadcast channel, and starts the post-mortem clock: P0 and P1 post-mortems are due 48 hours later, P2 five days later, with a reminder in the room until the incident is closed."],
            examples: ["/incident resolve", "/incident resolve Rolled back release 2026.11.3; error rate normal", "/incident resolve INC-3 fixed by failover"]
        ),
        Entry(
            name: .close,
            syntax: ["/incident close [INC-N | #incident-room]", "/incident close [INC-N | #incident-room] --force <why>"],
            summary: "Closes a resolved incident once its action items are done, saying its post-mortem is done too; closed incidents leave `/incident list` and get no more reminders.",
            whoMayUse: "The incident commander, the declarer and incident admins; with `--force`, incident admins only. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["Only a resolved incident can be closed, and only once its action items are done (`/action done`). An incident admin may close it with items still open by saying why (`--force tracked in JIRA-123`): the open items are dropped, with the reason on the timeline. Closing is the team's word that the post-mortem is done (the bot cannot see the document): it stops the post-mortem reminders, and the timeline records who closed it and when. The record stays for reports and export."],
            examples: ["/incident close", "/incident close INC-12", "/incident close --force follow-ups tracked in JIRA-123"]
        ),
        Entry(
            name: .postmortem,
            syntax: ["/incident postmortem [INC-N | #incident-room]"],
            summary: "Renders the post-mortem draft from the incident's record.",
            whoMayUse: "Anyone.",
            whatItDoes: ["The draft has a summary, impact, the timeline as a table, root cause, what went well, what to improve and action items, with the time to acknowledge, mitigate and resolve measured from the timeline. It is Markdown, shown in a fixed-width block so it copies exactly as written into a document. It goes only to the asker and changes nothing. It stays within one message: each cell at most 500 characters of its text, a long timeline's first and last entries with how many were left out between them, and the first action items; `incident-bot export INC-N` on the bot's host prints the whole draft."],
            examples: ["/incident postmortem", "/incident postmortem INC-9"]
        ),
        Entry(
            name: .escalation,
            syntax: ["/incident escalation [INC-N | #incident-room]"],
            summary: "Shows who has been paged for the incident, and who will be paged when if nothing changes.",
            whoMayUse: "Anyone.",
            whatItDoes: ["Lists both ladders: each page sent (level, person, time) and the pages still to come with their times, as the policy stored with the incident and today's roster decide. A stopped ladder says why (acknowledged, mitigated, resolved)."],
            examples: ["/incident escalation", "/incident escalation INC-5"]
        ),
        Entry(
            name: .help,
            syntax: ["/incident help [command]"],
            summary: "Shows how to use every command, or one command in detail.",
            whoMayUse: "Anyone.",
            whatItDoes: ["Without a command it lists every command with its usage line. With one it shows that command's usage, what it does, who may use it and examples. `/incident` on its own is the same as `/incident help`."],
            examples: ["/incident help", "/incident", "/incident help sev", "/incident help /ack", "/incident help declare", "/incident help incident resolve", "/incident help incident sev"]
        ),
        Entry(
            name: .snooze,
            syntax: ["/incident snooze [INC-N | #incident-room] <duration | off>"],
            summary: "Silences the status-update nudges of an incident for a while, when the incident commander is heads down and knows an update is due; pages are never snoozed.",
            whoMayUse: "The incident commander and incident admins. An incident without an incident commander cannot be snoozed: the nudges are how the bot asks for one. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["For the given time (`15m`, `30m`, `1h`; at most the policy's `snooze_max`, 1h unless the policy says otherwise) no nudge for an overdue status update is posted. The update clock stands still meanwhile: a nudge that falls due waits for the snooze to end, no missed update is counted, and so no level is paged for missed updates before the snooze ends. The escalation ladders keep climbing and every page still goes out. The snooze is on the timeline, the room is told, and `/incident status` shows until when. `/incident snooze off` ends it early; an update already overdue is nudged at once. Only while the incident is investigating or mitigated, and only at a severity that has a status-update cadence."],
            examples: ["/incident snooze 30m", "/incident snooze INC-7 1h", "!incident snooze 1h30m", "/incident snooze off"]
        ),
        Entry(
            name: .call,
            syntax: ["/incident call [INC-N | #incident-room] <link | off>"],
            summary: "Sets or changes the link to the incident's call (its bridge), or removes it; P0 and P1 incidents get one from the policy when they are declared.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["A severity with a `call` template in the policy (the shipped one: P0 and P1) gives every incident declared at it, or raised to it, a link of its own, such as `https://meet.example.com/incident-12`. This command sets one where there is none, replaces the templated one with the call people actually joined, or removes it with `off`. The link must be `http` or `https`, at most 120 characters, without spaces. It is posted in the room, shown in the topic, the kickoff, `/incident status` and every page, and recorded on the timeline."],
            examples: ["/incident call https://meet.example.com/abc-defg-hij", "/incident call INC-4 https://zoom.example.com/j/123456", "/incident call <https://meet.example.com/abc|meet.example.com/abc>", "/incident call off"]
        ),
        Entry(
            name: .started,
            syntax: ["/incident started [INC-N | #incident-room] <HH:MM | YYYY-MM-DD HH:MM>"],
            summary: "Says when the impact began, so time to detect (from then to the declaration) is measured.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["The time is on the policy's clock. A time of day alone means the latest such time not after now (`09:42` typed at 10:05 is today, at 08:00 it is yesterday). When clocks go back, a time the hour repeats means its later reading not after the declaration (or, after the declaration, the later one not after now); a time skipped when clocks go forward is refused: say the time the clock showed. It may not be in the future, nor after the incident was mitigated (or resolved), nor more than 30 days before the declaration. It is recorded on the timeline and shown by `/incident status`; the post-mortem draft and `incident-bot report` show time to detect. Response targets still count from the declaration: the bot can act only from then."],
            examples: ["/incident started 09:42", "/incident started INC-3 2026-11-24 09:42", "/incident started 9:05"]
        ),
        Entry(
            name: .makePrivate,
            syntax: ["/incident private [INC-N | #incident-room]"],
            summary: "Makes an incident private from now on, when it turns out to be about security or exposed data: nothing more goes to the broadcast channel, and what leaves its room names it by number only.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only. Only an incident admin can make it public again, with `/incident public`.",
            whatItDoes: ["The broadcast channel hears nothing more of it (a post already queued for it is withdrawn; the answer says so, and names apart one delivery was sending at that moment, which may still appear there). Pages, reminders and briefings sent outside the room name it by number and severity only: no title, no status, no room name, no call link. `/incident list`, `/action list` and `/incident status` show its details only to its members (the declarer, role holders, people the bot invited or paged) and incident admins, and on Matrix, where answers are posted for the whole room, only in its own room. The room itself stays as it was made: Slack lets only a workspace admin turn a public channel private, and the channel's name still tells the title; the room of an incident declared private, or turned private before its room was made, and then made public and private again, was private all along, and the room is told so. An incident meant to be private from the start is declared with `/incident declare <title> --private`. Recorded on the timeline."],
            examples: ["/incident private", "/incident private INC-7", "!incident private"]
        ),
        Entry(
            name: .makePublic,
            syntax: ["/incident public [INC-N | #incident-room]"],
            summary: "Makes a private incident public again; only an incident admin may, because it lets the title out.",
            whoMayUse: "Incident admins only.",
            whatItDoes: ["The incident is announced in the broadcast channel with its title, and its status updates go there again. Pages and direct messages name its title again, and `/incident list` shows it to everyone. The room stays as it is: a private Slack channel stays private. Recorded on the timeline."],
            examples: ["/incident public", "/incident public INC-7"]
        ),
        Entry(
            name: .sev,
            syntax: ["/sev [INC-N | #incident-room] <P0..P3> [reason]"],
            summary: "Changes the incident's severity, with an optional reason.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["Records the change, updates the topic and re-times the update cadence for the new severity. A raise pages at once the levels the new severity pages immediately (P0: the VP engineering) and makes the new severity's levels part of the rest of the climb; a raise to P0 or P1 starts the business ladder if it was not running. Lowering never un-pages anyone, but the climb from then on follows the lower severity.", "Severity may be written `P1`, `p1`, `sev1`, `SEV-1`, `S1`, or `critical` (P0), `high` or `major` (P1), `medium` or `moderate` (P2), `low` or `minor` (P3). Two severities (`/sev P0 P1`, `/sev P0 P1 P2`) are refused, since either could be meant, and so is an arrow to another, whatever follows it (`/sev P1 -> P0 now`, which set P1 and paged no VP); a severity that starts a longer reason is the reason's (`/sev P1 P2 was too low`), and a one-word reason naming the same severity (`/sev P0 critical`) is the reason. The severity may also be written as a declaration's title writes it (`[P0]`, `P0:`) or as its number alone (`/sev 1`). An incident named after the severity (`/sev P0 INC-2`) is refused: as the reason it would change the room's own incident, so name it first (`/sev INC-2 P0`); a reason that only mentions one (`/sev P1 caused by INC-2`) is the reason."],
            examples: ["/sev P0 checkout down in every region", "/SEV p1", "/sev sev1", "/sev SEV-1", "/sev critical", "/sev P0 critical", "/sev [P0] checkout dead", "!sev INC-42 P2 only EU affected"]
        ),
        Entry(
            name: .ic,
            syntax: ["/ic [INC-N | #incident-room] @user", "/ic [INC-N | #incident-room] @user handover: <note>"],
            summary: "Assigns the incident commander.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["The new incident commander is invited to the room, shown in the topic, and counts as an acknowledgement of the engineering page, which stops that ladder. Named by someone else, the person has answered nothing: a page of theirs still waiting to go out, or held for working hours, still goes. `/ic me` (or `@me`, `myself`) names whoever types it; someone the roster keys `me` is named by their chat account. Status-update nudges go to the incident commander. With `handover: <note>` it is a handover: the note goes on the timeline and in the room, and the new incident commander gets a direct message with the note, the last update and status, when the next update is due, who has been paged (each person once, with their latest level, when they were first paged and, if paged again, when last) and the open action items."],
            examples: ["/ic @alice", "/ic <@U0123ABC|alice>", "/ic <@U0123ABC>", "!ic @alice:example.org", "!ic https://matrix.to/#/@alice:example.org", "/ic INC-42 @bob", "/ic bob", "/ic @bob handover: rollback running, DB team paged", "/ic INC-42 @bob HANDOVER: going off shift"]
        ),
        Entry(
            name: .role,
            syntax: ["/role [INC-N | #incident-room] <comms|scribe|lead> <@user | none>"],
            summary: "Assigns one of the other incident roles: comms lead, scribe or technical lead, or leaves it to nobody.",
            whoMayUse: "The incident commander, the declarer and incident admins. Before an incident commander is named: people on the roster and anyone paged for the incident, never an account off the roster. From outside the incident's room: roster people and admins only.",
            whatItDoes: ["The person is invited to the room and recorded in the role; `me` names whoever types it. The comms lead gets the P0 and P1 status-update nudges with the incident commander. `none` (or `nobody`, `off`) leaves the role to nobody: its holder, gone off shift, is nudged no more as its holder, and stays in the room. The incident commander's role is never left empty: hand it over with `/ic @user`. `/role ic @user` is the same as `/ic @user`. Recorded on the timeline."],
            examples: ["/role comms @carol", "/role scribe <@U0456DEF|dave>", "!role lead @erin:example.org", "/role ic @bob", "/role ic @bob handover: going off shift", "/role INC-8 communications @frank", "/role comms none", "/role scribe @none"]
        ),
        Entry(
            name: .update,
            syntax: ["/update [INC-N | #incident-room] <text> [status: ...] [impact: ...] [next: ...] [eta: ...]"],
            summary: "Posts a status update in the room and to the broadcast channel, and restarts the update timer.",
            whoMayUse: "Anyone the bot serves, in the incident's room; from outside it (a lobby, a direct message), people on the roster and admins only. Only an update from the incident's responders (its IC, role holders and declarer, the roster, admins, anyone paged for it) restarts the update timer and sets the topic's status: missed updates page up the engineering ladder, and nobody the bot does not trust may hold that back. Once an IC is named, a declarer off the roster (not an admin, not paged, holding no role) is no longer among them, except to set a mitigated incident back to investigating: that starts paging again and holds nothing back.",
            whatItDoes: ["The update is posted in the incident room and in the broadcast channel, added to the timeline, and resets the status-update cadence: the next update is due one cadence interval from now (P0 15 min, P1 30 min, P2 2 h; P3 has none). The optional fields are labels at the start of a word, in any order, each running to the next label or the end; `status:` also becomes the status shown in the room topic while the incident is open (after the resolution the topic keeps saying resolved). While it is open, a status that names another phase than the incident's is refused: `mitigated`, `resolved` and `closed` come from their commands, which also stop the ladders. `status: investigating` on a mitigated incident, from one of its responders or its declarer, sets it back: the mitigation did not hold, the room and the broadcast channel are told, and the ladders the mitigation stopped climb on from where they were. An update after the resolution (typed while someone else resolved it) is posted and kept on the record, and its author is told the incident stays resolved and, if the problem is back, to declare it again."],
            examples: ["/update Rolled back the deploy", "/update Rolled back the deploy status: monitoring impact: 5% of checkouts fail next: watch error rates eta: 15:00 UTC", "/update status: identified impact: EU logins", "!update INC-4 Failover done. Status: monitoring"]
        ),
        Entry(
            name: .ack,
            syntax: ["/ack [INC-N | #incident-room]"],
            summary: "Acknowledges a page: you have seen it and are on the incident. Stops the engineering ladder.",
            whoMayUse: "People the engineering ladder paged for this incident.",
            whatItDoes: ["Records the time to acknowledge and stops the engineering ladder (nobody else is paged for lack of an answer). The business ladder goes on until the incident is mitigated. Outside the incident room, name the incident: `/ack INC-42`; a page's Acknowledge button does the same. Typed bare anywhere else (in the page's direct messages), `/ack` takes the one open incident whose engineering page to you you have not acknowledged, even if someone else answered it first; when there are several, it names them for you to choose (on Matrix, where the answer is posted for the whole room, a private incident's only as a page that waits: its page names it; and when it takes a private incident's one page there, its answer does not name it); when there is none, it says no page of yours waits for an acknowledgement."],
            examples: ["/ack", "!ack INC-42", "/ack #incident-20261122-payment-api-errors"]
        ),
        Entry(
            name: .note,
            syntax: ["/note [INC-N | #incident-room] <text>"],
            summary: "Adds an entry to the incident's timeline.",
            whoMayUse: "Anyone the bot serves, in the incident's room; from outside it (a lobby, a direct message), people on the roster and admins only.",
            whatItDoes: ["The note is kept in the timeline with its time and author and shows up in the post-mortem draft. It does not reset the update timer."],
            examples: ["/note Restarted db-primary-2", "/note  can't reach \"the vault\"  ", "!note INC-3 saw 502s from the edge"]
        ),
        Entry(
            name: .action,
            syntax: ["/action [INC-N | #incident-room] @owner <what is to be done> [due: <day or duration>]", "/action done [INC-N | #incident-room] <A-number>", "/action list [INC-N | #incident-room | --mine | --overdue]"],
            summary: "Adds a follow-up action item to an incident, with an owner and perhaps a due day; marks one done; lists them.",
            whoMayUse: "Adding: the incident's responders (people on the roster, anyone paged for it, and once an IC is named its IC and declarer). Marking done: the owner, and whoever may lead the incident (the IC, the declarer, incident admins). Listing: anyone. From outside the incident's room, changes come from roster people and admins only.",
            whatItDoes: ["Items are numbered A1, A2, ... within their incident and kept in its record. A due day is a date (`2026-12-05`), a length of time from now in days, weeks or hours (`3d`, `2w`, `36h`; minutes are refused, as `6m` may mean months, and so is a capital `M`), `today` or `tomorrow`, on the policy's clock; the owner gets one direct message at 09:00 on that day, on their own clock when the roster gives their time zone (at once when the item is made later that day), and from the next day on the item is overdue: `/incident status`, `/action list --overdue` and `incident-bot report` say so. The post-mortem draft's action table is made from them. An incident with open items cannot be closed: mark them done, or an incident admin closes it anyway with `/incident close --force <why>`, which drops them with the reason. In an incident's room `/action list` shows that incident's items; elsewhere, every open incident's open items. `--mine` (your open items) and `--overdue` look across every open incident you may see, wherever they are typed. The incident may also be named first, as every other command takes it: `/action INC-7 done A3`."],
            examples: ["/action @alice Add an alert on queue depth due: 2026-12-05", "/action INC-7 @bob Write the runbook for failover due: 3d", "!action @carol Review the rollback procedure", "/action @dave Page on disk due: tomorrow", "/action done A2", "/action done INC-7 3", "/action list", "/action list INC-7", "/action INC-7 done A3", "/action INC-7 list", "/action list --mine", "/action list --overdue"]
        ),
    ]
}
