import IncidentCore

extension Delivery {
    /// As delivery starts: the items on its methods put off until the bot's setup was fixed (a
    /// revoked token, `TransportError.misconfigured`) go now. A replaced token takes a restart
    /// (tokens are read as the process starts), and each such item waits `retry_ceiling` a
    /// try: after a token was replaced and the bot restarted, an incident's room lane was held
    /// up to five minutes behind one of them. Items waiting out an outage's backoff or a rate
    /// limit keep their time. `run` calls it before its first pass; a store that fails it
    /// leaves each item its own time.
    func tryAgainWhatWaitedForSetup() async {
        let now = clock.now
        let methods = Array(transports.keys)
        await warnIfFails("cannot bring forward the items waiting for the bot's setup; each is tried at its own time") {
            let moved = try await store.write { try $0.bringForwardSetupWaits(on: methods, to: now) }
            guard moved > 0 else { return }
            logger.info("delivery starts: the items that waited for the bot's setup are tried again now", metadata: ["items": "\(moved)"])
        }
    }
}
