@testable import IncidentPostgres
import Testing

/// A term as this process's clock sees it: once over, it stays over.
@Suite struct LeaseTermTests {
    /// A renewal the database took just in time, but whose answer came after the term's local
    /// deadline: the term looked over for a while, so delivery may have stopped a send halfway
    /// as deposed. It used to come back with the renewal and send again as if nothing had
    /// started; it stays over, and the keeper takes the lease again with a new token.
    @Test func aRenewalAnsweredAfterTheDeadlineDoesNotBringTheTermBack() {
        let term = LeaseTerm(token: 1, heldUntil: .now - .milliseconds(1))
        #expect(!term.holds)
        term.extend(to: .now + .seconds(5))
        #expect(!term.holds && !term.term.holds)
    }

    @Test func aRenewalInTimeMovesTheDeadline() {
        let term = LeaseTerm(token: 1, heldUntil: .now + .seconds(5))
        term.extend(to: .now + .seconds(60))
        #expect(term.holds)
    }
}
