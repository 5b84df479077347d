@testable import IncidentMatrix
import IncidentWire
import Testing

/// The marks (📌 reactions) a Matrix sync batch reads back are capped; within the cap a
/// responder's go first. A stranger's 120 marks in one sync filled the cap, and alice's mark
/// of the root cause, after them, was left out for good.
@Suite struct MatrixMarksReadTests {
    static func mark(_ id: String, by sender: String) -> JSONValue {
        ["type": "m.reaction", "event_id": .string(id), "sender": .string(sender),
         "content": ["m.relates_to": ["rel_type": "m.annotation", "event_id": "$target", "key": "📌"]]]
    }

    @Test func aRespondersMarkIsReadBeforeAStrangersFlood() {
        let flood = (0..<120).map { Self.mark("$spam\($0)", by: "@mallory:localhost") }
        let events = flood + [Self.mark("$rootcause", by: "@alice:localhost"),
                              ["type": "m.room.redaction", "event_id": "$undo", "sender": "@mallory:localhost", "redacts": "$spam0"]]
        let read = MarksRead.admitted(events) { $0 == "@alice:localhost" }
        #expect(read.count == MarksRead.perBatch)
        #expect(read.contains("$rootcause"))
        #expect(read.contains("$spam0") && read.contains("$spam48") && !read.contains("$spam49"))
        #expect(!read.contains("$undo"), "a redaction is no mark: it always counts")
    }
}
