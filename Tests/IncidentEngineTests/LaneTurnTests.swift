import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// Which item of a lane delivery tries (`OutboxItem.next(in:at:)`).
@Suite struct LaneTurnTests {
    static func item(_ key: String, incident: Int, _ job: OutboxItem.Job, attempts: Int, notBefore: Timestamp) -> OutboxItem {
        var item = OutboxItem(key: key, incident: incident, method: .pagerduty, lane: "pagerduty:dm:alice", job: job, at: TestConfig.start)
        item.attempts = attempts
        item.notBefore = notBefore
        return item
    }

    @Test func aPageGoesAheadOfAWaitingMessageButNotOfItsOwnIncidentsSettlement() {
        let now = TestConfig.at(1)
        let page = Page(person: "alice", ladder: "engineering", level: "L1", role: "on-call engineer", message: Message(.text("page")),
                        methods: [], severity: .p1)
        let settle = OutboxItem.Job.effect(.settlePages(PageSettlement(outcome: .handedOver,
                                                                       pages: [PagedLevel(person: "alice", ladder: "engineering", level: "L1")])))
        let waiting = Self.item("INC-1/4/alice", incident: 1, settle, attempts: 3, notBefore: TestConfig.at(5))
        let other = Self.item("INC-2/1", incident: 2, .effect(.page(page)), attempts: 0, notBefore: TestConfig.start)
        let own = Self.item("INC-1/9", incident: 1, .effect(.page(page)), attempts: 0, notBefore: TestConfig.start)
        #expect(OutboxItem.next(in: [waiting, other], at: now)?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waiting, own], at: now) == nil)
        // Due again, the settlement still gives way to another incident's page: while PagerDuty
        // hung, three resolved incidents' settlements took turns ahead of a new P0's page for
        // minutes. It goes once no page of another incident is due.
        #expect(OutboxItem.next(in: [waiting, other], at: TestConfig.at(5))?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waiting, own], at: TestConfig.at(5))?.key == "INC-1/4/alice")
        var second = waiting
        second.key = "INC-3/4/alice"
        second.incident = 3
        #expect(OutboxItem.next(in: [waiting, second, other], at: TestConfig.at(5))?.key == "INC-2/1")
        // A page at the head that waits holds back its own incident's pages, not another's:
        // a relay too slow to answer held a person's page for a new P1 untried for ten
        // minutes, behind thirty attempts of the page before it.
        var waitingPage = own
        waitingPage.attempts = 1
        waitingPage.notBefore = TestConfig.at(5)
        var again = own
        again.key = "INC-1/12"
        #expect(OutboxItem.next(in: [waitingPage, other], at: now)?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waitingPage, again, other], at: now)?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waitingPage, again], at: now) == nil)
        // Two incidents' pages waiting in turn hold back no third: its P0 waited four minutes.
        var otherWaiting = other
        otherWaiting.attempts = 1
        otherWaiting.notBefore = TestConfig.at(5)
        let third = Self.item("INC-3/1", incident: 3, .effect(.page(page)), attempts: 0, notBefore: TestConfig.start)
        #expect(OutboxItem.next(in: [waitingPage, otherWaiting, third], at: now)?.key == "INC-3/1")
        // A settlement that stops another incident's alert goes ahead of a waiting page; one
        // behind its own incident's page waits for it.
        let settlesTwo = Self.item("INC-2/9/alice", incident: 2, settle, attempts: 0, notBefore: TestConfig.start)
        #expect(OutboxItem.next(in: [waitingPage, settlesTwo], at: now)?.key == "INC-2/9/alice")
        #expect(OutboxItem.next(in: [waitingPage, otherWaiting, settlesTwo], at: now) == nil)
    }
}
