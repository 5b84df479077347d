import IncidentApp
import Synchronization
import Testing

/// The console's lines: the destination and speaker first, every further line of the text
/// indented by two spaces, blank ones included, written whole.
@Suite struct ConsoleOutputTests {
    func written(_ text: String) -> [String] {
        let printed = Mutex<[String]>([])
        let output = ConsoleOutput { text in printed.withLock { $0.append(text) } }
        output.message("#incident-1", "incident-bot", text)
        return printed.withLock { $0 }
    }

    @Test func furtherLinesAreIndentedAndTheMessageIsOneWrite() {
        #expect(written("one line") == ["[#incident-1] incident-bot: one line\n"])
        #expect(written("first\nsecond\n\nfourth") == ["[#incident-1] incident-bot: first\n  second\n  \n  fourth\n"])
        #expect(written("ends with a break\n") == ["[#incident-1] incident-bot: ends with a break\n  \n"])
        #expect(written("") == ["[#incident-1] incident-bot: \n"])
        #expect(written("Überlastung 🔥\nПожар") == ["[#incident-1] incident-bot: Überlastung 🔥\n  Пожар\n"])
    }
}
