import Foundation
import IncidentSlack
import IncidentWire

/// Slack's Web API methods and their arguments, as Slack's OpenAPI spec lists them
/// (`slack-web-methods.json`, made by scripts/extract-slack-methods.py from the spec).
public struct SpecMethods: Sendable {
    public struct Method: Sendable {
        public var verb: String
        public var arguments: [String: (type: String, required: Bool)]
        /// `app` for methods that take the app-level token (`xapp-`), else the bot token.
        public var token: String
    }

    public let methods: [String: Method]

    public static let shared: SpecMethods = {
        guard let url = Bundle.module.url(forResource: "slack-web-methods", withExtension: "json"),
              let data = try? Data(contentsOf: url), let json = JSONValue.parse(Array(data)),
              let methods = json["methods"]?.object else {
            fatalError("Tests/SlackFake/slack-web-methods.json is missing or broken; run scripts/extract-slack-methods.py")
        }
        var table: [String: Method] = [:]
        for (name, entry) in methods {
            var arguments: [String: (String, Bool)] = [:]
            for (argument, spec) in entry["arguments"]?.object ?? [:] {
                arguments[argument] = (spec["type"]?.string ?? "string", spec["required"]?.bool ?? false)
            }
            table[name] = Method(verb: entry["verb"]?.string ?? "POST", arguments: arguments, token: entry["token"]?.string ?? "bot")
        }
        return SpecMethods(methods: table)
    }()

    /// Why a call does not match the spec, or nil when it does.
    public func violation(method name: String, verb: String, arguments: [String: String]) -> String? {
        guard let method = methods[name] else { return "unknown method \(name)" }
        guard verb == method.verb else { return "\(name) is \(method.verb) in the spec, called with \(verb)" }
        for (argument, value) in arguments {
            guard let spec = method.arguments[argument] else { return "\(name) has no argument \(argument)" }
            if spec.type == "boolean", !["true", "false", "1", "0"].contains(value) {
                return "\(name) argument \(argument) is a boolean, got \(value)"
            }
            if spec.type == "integer", Int(value) == nil { return "\(name) argument \(argument) is an integer, got \(value)" }
        }
        for (argument, spec) in method.arguments where spec.required && arguments[argument] == nil {
            return "\(name) needs argument \(argument)"
        }
        return nil
    }
}
