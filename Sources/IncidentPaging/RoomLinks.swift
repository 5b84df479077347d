import Foundation
import IncidentCore

/// Links that open an incident's room from outside chat (a mail, a text), one per platform.
public enum RoomLinks {
    /// nil for the console, which has no links.
    public static func url(_ platform: Platform, roomID: String) -> String? {
        let encoded = roomID.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? roomID
        return switch platform {
        case .slack: "https://slack.com/app_redirect?channel=\(encoded)"
        case .matrix: "https://matrix.to/#/\(encoded)"
        case .console: nil
        }
    }
}
