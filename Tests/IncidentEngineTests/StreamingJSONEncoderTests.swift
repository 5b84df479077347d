import Foundation
import IncidentWire
import Testing

/// The encoder of everything the stores hold: its text must read back with `JSONDecoder` to
/// what Foundation's `JSONEncoder` text reads back to, whatever shape the value has.
@Suite struct StreamingJSONEncoderTests {
    private indirect enum Shape: Codable, Equatable {
        case empty
        case one(String)
        case labelled(count: Int, note: String?)
        case nested(Shape?, [Shape])
    }

    private struct Everything: Codable, Equatable {
        var text = "quote \" backslash \\ slash / newline \n tab \t bell \u{7} nul \u{0} é 📌 \u{2028}"
        var flag = true
        var small: Int8 = -8
        var large: UInt64 = .max
        var negative = Int64.min
        var double = 0.1
        var whole = 1e15
        var tiny = 5e-324
        var float: Float = 1.5
        var date = Date(timeIntervalSinceReferenceDate: 817_000_000.25)
        var data = Data([0, 1, 2, 250, 255])
        var url = URL(string: "https://example.com/a%20b?c=d")!
        var decimal = Decimal(string: "12.345")!
        var absent: String? = nil
        var byName = ["b": 2, "a": 1, "quo\"te": 3]
        var byNumber = [3: "three", 1: "one"]
        var nestedArrays = [[1, 2], [], [3]]
        var shapes: [Shape] = [.empty, .one("x"), .labelled(count: 2, note: nil), .nested(.one("y"), [.empty, .nested(nil, [])])]
        var optionalShapes: [Shape?] = [nil, .empty]
        var empty = Empty()
        var set: Set<String> = ["only"]
    }

    private struct Empty: Codable, Equatable {}

    /// A type writing through a nested container, a super encoder and the same keyed
    /// container asked for twice, the ways hand-written `Codable` can.
    private struct HandWritten: Codable, Equatable {
        var name = "n"
        var inner = [1, 2]
        var parent = "p"

        enum Keys: String, CodingKey { case name, inner, parent, again }
        enum InnerKeys: String, CodingKey { case values }

        init() {}

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(name, forKey: .name)
            var nested = container.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
            var values = nested.nestedUnkeyedContainer(forKey: .values)
            for value in inner { try values.encode(value) }
            try parent.encode(to: container.superEncoder(forKey: .parent))
            var same = encoder.container(keyedBy: Keys.self)
            try same.encode(true, forKey: .again)
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            name = try container.decode(String.self, forKey: .name)
            inner = try container.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner).decode([Int].self, forKey: .values)
            parent = try String(from: container.superDecoder(forKey: .parent))
            #expect(try container.decode(Bool.self, forKey: .again))
        }
    }

    private func readsBackAsFoundationsDoes<T: Codable & Equatable>(_ value: T) throws {
        let streamed = try StreamingJSONEncoder().encode(value)
        let founded = try JSONEncoder().encode(value)
        let fromStreamed = try JSONDecoder().decode(T.self, from: Data(streamed.utf8))
        #expect(fromStreamed == value, "\(streamed)")
        #expect(fromStreamed == (try JSONDecoder().decode(T.self, from: founded)))
        // Also the same JSON, not only the same value: parsed, the two texts are equal.
        let parsedStreamed = try JSONSerialization.jsonObject(with: Data(streamed.utf8), options: .fragmentsAllowed) as? NSObject
        let parsedFounded = try JSONSerialization.jsonObject(with: founded, options: .fragmentsAllowed) as? NSObject
        #expect(parsedStreamed == parsedFounded, "\(streamed) against \(String(decoding: founded, as: UTF8.self))")
    }

    @Test func everyShapeReadsBackAsFoundationsTextDoes() throws {
        try readsBackAsFoundationsDoes(Everything())
        try readsBackAsFoundationsDoes(HandWritten())
        try readsBackAsFoundationsDoes(Empty())
        try readsBackAsFoundationsDoes("top level")
        try readsBackAsFoundationsDoes(Optional<Int>.none)
        try readsBackAsFoundationsDoes([Shape.nested(.empty, [])])
        try readsBackAsFoundationsDoes([String: [Int]]())
    }

    @Test func textIsCompactAndInTheValuesOwnOrder() throws {
        struct Ordered: Encodable { var zeta = 1; var alpha = [true, false]; var none: Int? = nil; var empty = Empty() }
        #expect(try StreamingJSONEncoder().encode(Ordered()) == #"{"zeta":1,"alpha":[true,false],"empty":{}}"#)
        #expect(try StreamingJSONEncoder().encode("a\"b\\c\u{1}\n") == #""a\"b\\c\u0001\n""#)
    }

    @Test func aNumberJSONCannotHoldIsRefusedWithItsPath() throws {
        struct Holder: Encodable { var values = [1.0, .infinity] }
        #expect {
            try StreamingJSONEncoder().encode(Holder())
        } throws: { error in
            guard case EncodingError.invalidValue(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["values", "1"]
        }
    }

    @Test func aJSONValueIsWrittenWithSortedKeys() {
        let value: JSONValue = ["b": [1, .number(2.5), "x/y", .null], "a": ["z": true, "y": .null], "c": .number(.nan)]
        #expect(value.text == #"{"a":{"y":null,"z":true},"b":[1,2.5,"x/y",null],"c":null}"#)
    }
}
