import IncidentCore
import IncidentEngine
@testable import IncidentPaging
import IncidentPolicy
import IncidentTesting
import Testing

/// What an expired acknowledge link's page, or an expired call's keypress, tells its person:
/// how they can still answer, never `/ack` to someone with no chat account (audit s64a: bob,
/// reached by text and mail, and dave, by mail only, were sent to chat).
@Suite struct PageAnswersTests {
    @Test func anExpiredPageSaysHowItsPersonCanStillAnswer() throws {
        var roster = try TestConfig.roster()
        roster.people["frank"] = Roster.Person(id: "frank", name: "Frank", addresses: [.matrix: "@frank:example.org", .sms: "+15550100006"])
        roster.people["erin"] = Roster.Person(id: "erin", name: "Erin", addresses: [.email: "erin@example.org", .sms: "+15550100005"])
        roster.people["dave"] = Roster.Person(id: "dave", name: "Dave", addresses: [.email: "dave@example.org"])
        let directory = Directory(roster: roster, platforms: [.slack, .matrix], pagers: [.email, .sms])
        #expect(PageAnswers.afterExpiry(3, person: "frank", directory: directory) == "Acknowledge with !ack INC-3 in Matrix.")
        #expect(PageAnswers.afterExpiry(3, person: "erin", directory: directory) == "Reply ACK INC-3 to a text page to acknowledge.")
        let dave = PageAnswers.afterExpiry(3, person: "dave", directory: directory)
        #expect(dave.hasPrefix("You have no chat account the bot knows") && !dave.contains("/ack"), "\(dave)")
        // Without texts served, erin has no way left either.
        let mailOnly = Directory(roster: roster, platforms: [.slack], pagers: [.email])
        #expect(PageAnswers.afterExpiry(3, person: "erin", directory: mailOnly).hasPrefix("You have no chat account"))
        #expect(PageAnswers.afterExpiry(3, person: "frank", directory: mailOnly).hasPrefix("You have no chat account"))
    }
}
