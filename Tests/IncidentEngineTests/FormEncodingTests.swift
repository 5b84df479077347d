import IncidentWire
import Testing

/// `application/x-www-form-urlencoded` as Slack and Twilio send it.
@Suite struct FormEncodingTests {
    @Test func pairsAreDecodedInOrderWithTheirEscapes() throws {
        let pairs = try #require(FormEncoding.decodePairs(Array("a=1&&b=x+y%21%F0%9F%93%8C&flag&=empty&b=2&".utf8)))
        #expect(pairs.map(\.key) == ["a", "b", "flag", "", "b"])
        #expect(pairs.map(\.value) == ["1", "x y!📌", "", "empty", "2"])
        #expect(FormEncoding.decode(Array("b=1&b=2".utf8)) == ["b": "2"])
        #expect(FormEncoding.decodePairs([UInt8]())?.isEmpty == true)
        // Any collection of bytes, not only arrays.
        #expect(FormEncoding.decode("text=%2Fsev+P1".utf8.reversed().reversed()) == ["text": "/sev P1"])
    }

    @Test func aBrokenEscapeOrTextThatIsNotUTF8IsRefused() {
        for body in ["a=%", "a=%4", "a=%zz", "%G1=x", "a=1&b=%E"] {
            #expect(FormEncoding.decodePairs(Array(body.utf8)) == nil, "\(body)")
        }
        #expect(FormEncoding.decode(Array("a=%FF%FE".utf8)) == nil)
        #expect(FormEncoding.decode(Array("a=".utf8) + [0xFF]) == nil)
    }

    @Test func encodingRoundTrips() {
        let fields = ["text": "declare Payment API — down & out 100%", "user_id": "U0ALICE01", "empty": ""]
        #expect(FormEncoding.decode(Array(FormEncoding.encode(fields).utf8)) == fields)
    }
}
