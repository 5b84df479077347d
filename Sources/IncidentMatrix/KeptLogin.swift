import Foundation

/// What a password login keeps in its token file (mode 0600): the access token on the first
/// line and the device it belongs to on the second. A file from before devices were kept holds
/// the token alone, and the next login learns the device.
struct KeptLogin: Equatable {
    let token: String
    let device: String?

    init(token: String, device: String?) {
        self.token = token
        self.device = device.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The file's login; nil when there is none to read.
    init?(file: String) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        self.init(text: text)
    }

    init(text: String) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        self.init(token: lines.first ?? "", device: lines.dropFirst().first)
    }

    var text: String { device.map { "\(token)\n\($0)\n" } ?? "\(token)\n" }
}
