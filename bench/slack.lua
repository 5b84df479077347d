-- wrk script: each request is the next pre-signed slash command, never one sent before
-- (a repeat would be a replay, answered 401). Threads take every nth request.
local requests, timestamp = dofile(os.getenv("BENCH_REQUESTS"))
local threads = tonumber(os.getenv("BENCH_THREADS"))
local counter = 0

function setup(thread)
    thread:set("offset", counter)
    counter = counter + 1
end

function init(args)
    index = offset
end

function request()
    local r = requests[(index % #requests) + 1]
    index = index + threads
    return wrk.format("POST", "/slack/events", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Slack-Request-Timestamp"] = timestamp,
        ["X-Slack-Signature"] = r[2],
    }, r[1])
end

function done(summary, latency, requests)
    io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect + summary.errors.read
        + summary.errors.write + summary.errors.timeout))
end
