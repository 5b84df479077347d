-- wrk script for BENCH_CEILING=1 bench/slack.sh: the same slash command body every time, signed with a
-- secret the bot does not have, so the endpoint reads it, checks the signature and answers 401
-- without reaching the engine or the store.
local body = "command=%2Fincident&text=note+INC-1+ceiling&user_id=U0ALICE01&channel_id=C0LOBBY01"
    .. "&trigger_id=ceiling&team_id=T0TEAM001"
local timestamp = os.getenv("BENCH_TIMESTAMP")

function request()
    return wrk.format("POST", "/slack/events", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Slack-Request-Timestamp"] = timestamp,
        ["X-Slack-Signature"] = "v0=" .. string.rep("0", 64),
    }, body)
end
