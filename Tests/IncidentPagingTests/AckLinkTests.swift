import IncidentCore
import IncidentPaging
import IncidentTesting
import Testing

@Suite struct AckLinkTests {
    let links = AckLinks(secret: Array("0123456789abcdef0123456789abcdef".utf8), publicURL: "https://bot.example.org/",
                         validity: .hours(24))
    let queued = TestConfig.start

    func token(_ link: String) -> String { String(link.split(separator: "/").last!) }

    @Test func aLinkCarriesWhoAndWhatItAcknowledgesUntilItExpires() throws {
        let link = links.link(incident: 4, person: "alice", page: "INC-4/7@email", method: .email, queuedAt: queued, declaredAt: nil)
        #expect(link.hasPrefix("https://bot.example.org/ack/"))
        let grant = try links.read(token(link), now: queued + .hours(23)).get()
        #expect(grant.incident == 4 && grant.person == "alice" && grant.page == "INC-4/7@email" && grant.method == .email)
        #expect(links.read(token(link), now: queued + .hours(24)) == .failure(.expired(grant)))
        #expect(grant.declaredAt == nil, "a link made before 0.14 names no declaration")
        let dated = links.link(incident: 4, person: "alice", page: "INC-4/7@email", method: .email, queuedAt: queued, declaredAt: queued - .minutes(5))
        #expect(try links.read(token(dated), now: queued).get().declaredAt == queued - .minutes(5))
    }

    @Test(arguments: [
        "",                                   // nothing
        "not-a-token",                        // no MAC
        "eyJpIjo0fQ.AAAA",                    // a payload with a short MAC
        String(repeating: "a", count: 5_000), // too long to look at
    ])
    func whatThisBotDidNotMakeIsRefused(text: String) {
        #expect(links.read(text, now: queued) == .failure(.invalid))
    }

    /// Changing any byte of the payload (another person, another incident) breaks the MAC, and
    /// a link made with another secret is not this bot's.
    @Test func anAlteredOrForeignLinkIsRefused() throws {
        let genuine = token(links.link(incident: 4, person: "alice", page: "k", method: .email, queuedAt: queued, declaredAt: nil))
        let parts = genuine.split(separator: ".")
        var payload = Array(parts[0])
        payload[3] = payload[3] == "A" ? "B" : "A"
        #expect(links.read(String(payload) + "." + parts[1], now: queued) == .failure(.invalid))
        let other = AckLinks(secret: Array("another secret of thirty-two bytes!!".utf8), publicURL: "https://bot.example.org",
                             validity: .hours(24))
        #expect(other.read(genuine, now: queued) == .failure(.invalid))
    }
}
