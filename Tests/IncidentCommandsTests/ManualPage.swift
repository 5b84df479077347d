import Foundation
import IncidentCommands

/// One `commands/*.md` page, read the way the manual generator and the example test need it.
struct ManualPage {
    struct Example {
        var input: String
        /// `declare title="..."` for a command, or nil when the page expects an error.
        var expectedSummary: String?
        /// The expected error reason when the page expects an error.
        var expectedError: String?
    }

    var name: CommandName
    var title: String
    var syntax: [String]
    var summary: String
    var whoMayUse: String
    /// `## What it does`, a paragraph each.
    var whatItDoes: [String]
    var examples: [Example]

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("commands")

    static func all() throws -> [ManualPage] {
        try CommandName.allCases.map { name in
            let url = directory.appendingPathComponent(name.manualFileName)
            return try ManualPage(name: name, markdown: String(contentsOf: url, encoding: .utf8))
        }
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    init(name: CommandName, markdown: String) throws {
        self.name = name
        let lines = markdown.components(separatedBy: "\n")
        guard let first = lines.first, first.hasPrefix("# ") else {
            throw FormatError(description: "\(name.manualFileName): the first line must be '# /command'")
        }
        title = String(first.dropFirst(2))
        var sections: [String: [String]] = [:]
        var current = ""
        for line in lines.dropFirst() {
            if line.hasPrefix("## ") {
                current = String(line.dropFirst(3))
                continue
            }
            sections[current, default: []].append(line)
        }
        func paragraph(_ section: String) throws -> String {
            guard let body = sections[section] else {
                throw FormatError(description: "\(name.manualFileName): no '## \(section)' section")
            }
            let text = body.drop(while: { $0.isEmpty }).prefix(while: { !$0.isEmpty })
            return text.joined(separator: " ")
        }
        summary = try paragraph("")
        whoMayUse = try paragraph("Who may use it")
        guard let does = sections["What it does"] else {
            throw FormatError(description: "\(name.manualFileName): no '## What it does' section")
        }
        whatItDoes = does.split(separator: "", omittingEmptySubsequences: true).map { $0.joined(separator: " ") }
        syntax = (sections["Syntax"] ?? []).drop(while: { $0 != "```" }).dropFirst().prefix(while: { $0 != "```" }).map { $0 }
        guard !syntax.isEmpty else {
            throw FormatError(description: "\(name.manualFileName): '## Syntax' needs a ``` block with the usage lines")
        }
        examples = try (sections["Examples"] ?? []).filter { $0.hasPrefix("| `") }.map { row in
            let cells = ManualPage.cells(row)
            guard cells.count == 2 else {
                throw FormatError(description: "\(name.manualFileName): example row needs two cells: \(row)")
            }
            let input = ManualPage.code(cells[0])
            if cells[1].hasPrefix("error: ") {
                return Example(input: input, expectedSummary: nil, expectedError: String(cells[1].dropFirst(7)))
            }
            return Example(input: input, expectedSummary: ManualPage.code(cells[1]), expectedError: nil)
        }
    }

    /// Splits a table row on `|` that is not escaped as `\|`, and unescapes.
    static func cells(_ row: String) -> [String] {
        var cells: [String] = []
        var cell = ""
        var previous: Character = " "
        for character in row.dropFirst().dropLast() {
            if character == "|", previous != "\\" {
                cells.append(cell)
                cell = ""
            } else if character == "|" {
                cell.removeLast()
                cell.append(character)
            } else {
                cell.append(character)
            }
            previous = character
        }
        cells.append(cell)
        return cells.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The text inside the backticks of a `code` cell, exactly.
    static func code(_ cell: String) -> String {
        guard cell.hasPrefix("`"), cell.hasSuffix("`"), cell.count >= 2 else { return cell }
        return String(cell.dropFirst().dropLast())
    }

    /// The Swift source of `CommandManual+Generated.swift` for these pages.
    static func generatedSource(_ pages: [ManualPage]) -> String {
        func literal(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func list(_ items: [String]) -> String { "[" + items.map(literal).joined(separator: ", ") + "]" }
        var source = """
            // Generated from commands/*.md by `UPDATE_COMMAND_MANUAL=1 swift test --filter CommandManualTests`.
            // Do not edit: change the Markdown and generate again.

            extension CommandManual {
                public static let entries: [Entry] = [

            """
        for page in pages {
            let examples = page.examples.filter { $0.expectedError == nil }.map(\.input)
            source += """
                        Entry(
                            name: .\(page.name),
                            syntax: \(list(page.syntax)),
                            summary: \(literal(page.summary)),
                            whoMayUse: \(literal(page.whoMayUse)),
                            whatItDoes: \(list(page.whatItDoes)),
                            examples: \(list(examples))
                        ),

                """
        }
        return source + "    ]\n}\n"
    }
}
