@testable import IncidentCore
import Testing

@Suite struct RoomNameTests {
    let declared = Timestamp(iso8601: "2026-11-22T10:00:00Z")!

    @Test(arguments: [
        ("Database outage", "incident-20261122-database-outage"),
        ("Überlastung der Datenbank", "incident-20261122-uberlastung-der-datenbank"),
        ("  Payment   API -- errors!!  ", "incident-20261122-payment-api-errors"),
        ("Łódź DC: straße & Ærø", "incident-20261122-lodz-dc-strasse-aero"),
        ("Пожар в ЦОД", "incident-20261122-pozar-v-cod"),
        ("🔥 checkout 🔥", "incident-20261122-checkout"),
        ("", "incident-20261122-untitled"),
        ("!!! ??? ...", "incident-20261122-untitled"),
        ("🔥🔥🔥", "incident-20261122-untitled"),
        ("v2.3 rollout: 5xx on /api", "incident-20261122-v2-3-rollout-5xx-on-api"),
    ])
    func foldsTitlesIntoNames(title: String, name: String) {
        #expect(RoomName.make(title: title, declaredAt: declared, zone: .utc) == name)
    }

    /// `#incident-…-private` is read as the private incident's room: a public incident titled
    /// so took it, and the private one declared after got `-private-2`.
    @Test(arguments: [("Private", "incident-20261122-titled-private"), ("PRIVATE 2!", "incident-20261122-titled-private-2"),
                      ("Private: 2", "incident-20261122-titled-private-2"), ("Private bucket", "incident-20261122-private-bucket"),
                      ("Private-2x", "incident-20261122-private-2x"), ("private -", "incident-20261122-titled-private")])
    func aPublicTitleNeverTakesThePrivateName(title: String, name: String) {
        #expect(RoomName.make(title: Declaration(title: title).roomTitle, declaredAt: declared, zone: .utc) == name)
        #expect(RoomName.make(title: Declaration(title: title, isPrivate: true).roomTitle, declaredAt: declared, zone: .utc)
                == "incident-20261122-private")
    }

    @Test func cutsAtAWordBoundaryToFitEightyCharacters() {
        let title = "the primary database cluster in eu west is refusing connections from every checkout pod"
        let name = RoomName.make(title: title, declaredAt: declared, zone: .utc)
        #expect(name.count <= 80)
        #expect(name == "incident-20261122-the-primary-database-cluster-in-eu-west-is-refusing")
        #expect(RoomName.isValid(name))
    }

    @Test func cutsOneHugeWordInsideTheWord() {
        let name = RoomName.make(title: String(repeating: "a", count: 300), declaredAt: declared, zone: .utc)
        #expect(name == "incident-20261122-" + String(repeating: "a", count: 62))
    }

    @Test func takenNamesGetTheNextSuffix() {
        let first = RoomName.make(title: "db down", declaredAt: declared, zone: .utc)
        let second = RoomName.make(title: "db down", declaredAt: declared, zone: .utc, taken: [first])
        let third = RoomName.make(title: "DB DOWN", declaredAt: declared, zone: .utc, taken: [first, second])
        #expect(second == "incident-20261122-db-down-2")
        #expect(third == "incident-20261122-db-down-3")
    }

    @Test func aSuffixStillFitsTheLimit() {
        let title = String(repeating: "word ", count: 40)
        let first = RoomName.make(title: title, declaredAt: declared, zone: .utc)
        var taken: Set<String> = [first]
        for _ in 2...12 { taken.insert(RoomName.make(title: title, declaredAt: declared, zone: .utc, taken: taken)) }
        #expect(taken.count == 12)
        #expect(taken.allSatisfy { $0.count <= 80 && RoomName.isValid($0) })
        #expect(taken.contains { $0.hasSuffix("-word-12") })
    }

    @Test func theDateIsTheDeclarationDateInTheConfiguredZone() throws {
        let lateEvening = try #require(Timestamp(iso8601: "2026-11-22T23:30:00Z"))
        let tokyo = try #require(LocalZone(identifier: "Asia/Tokyo"))
        let losAngeles = try #require(LocalZone(identifier: "America/Los_Angeles"))
        #expect(RoomName.make(title: "x", declaredAt: lateEvening, zone: tokyo) == "incident-20261123-x")
        #expect(RoomName.make(title: "x", declaredAt: lateEvening, zone: losAngeles) == "incident-20261122-x")
    }

    @Test(arguments: ["incident-20261122-db", "a", String(repeating: "a", count: 80)])
    func acceptsValidNames(name: String) { #expect(RoomName.isValid(name)) }

    @Test(arguments: ["", "Incident", "incident_x", "incident x", String(repeating: "a", count: 81), "émoji"])
    func refusesInvalidNames(name: String) { #expect(!RoomName.isValid(name)) }
    /// A title in ASCII skips the transliteration: it would change nothing, character by
    /// character or in a whole sentence.
    @Test func asciiIsFoldedToItself() {
        let every = String(String.UnicodeScalarView((0..<128).compactMap(Unicode.Scalar.init)))
        #expect(ASCIIFolding.fold(every) == every)
        for scalar in every.unicodeScalars { #expect(ASCIIFolding.fold(String(scalar)) == String(scalar)) }
        #expect(RoomName.slug("Payment API: 5xx on /v2/charge (eu-west) -- 40%!") == "payment-api-5xx-on-v2-charge-eu-west-40")
    }
}
