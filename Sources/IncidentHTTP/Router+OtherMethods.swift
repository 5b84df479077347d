import HTTPTypes
import Hummingbird
import NIOCore

extension Router {
    /// Every path the router answers, asked with a method it does not answer, gets 405 and an
    /// `Allow` header instead of the router's 404: `GET` on the slash-command endpoint is a
    /// setup mistake (a browser, a health check aimed at the wrong path), and a 404 there said
    /// the path was wrong when the method was. Called once every route is added. A path with
    /// `GET` answers `HEAD` too (`.autoGenerateHeadEndpoints`).
    public func refuseOtherMethods() {
        for (_, described) in Dictionary(grouping: routes, by: { $0.path.description }) {
            guard let path = described.first?.path else { continue }
            var allowed = Set(described.map(\.method))
            if allowed.contains(.get) { allowed.insert(.head) }
            let headers: HTTPFields = [.allow: allowed.map(\.rawValue).sorted().joined(separator: ", "),
                                       .contentType: "text/plain; charset=utf-8"]
            let refused: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options]
            for method in refused where !allowed.contains(method) {
                on(path, method: method) { _, _ in
                    Response(status: .methodNotAllowed, headers: headers,
                             body: .init(byteBuffer: ByteBuffer(string: "method not allowed\n")))
                }
            }
        }
    }
}
