import IncidentCore

extension String {
    /// The text with HTML's five special characters escaped, so typed text shows as typed and
    /// never becomes markup (Matrix's formatted bodies, the acknowledge pages).
    public var htmlEscaped: String { escaping(Self.htmlEntities) }

    static let htmlEntities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]
}
