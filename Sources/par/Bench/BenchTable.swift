import Foundation

/// Renders benchmark rows as an aligned text table or as Markdown.
struct BenchTable {
    let rows: [BenchRow]

    func render(markdown: Bool) -> String {
        let header = ["section", "measure", "Parallel", "peer", "peer value", "ratio", "goal", "met", "checked"]
        let body = rows.map { row -> [String] in
            [
                row.section,
                row.name,
                "\(Self.format(row.value)) \(row.unit)",
                row.peer ?? "",
                row.peerValue.map { "\(Self.format($0)) \(row.unit)" } ?? (row.peer == nil ? "" : "n/a"),
                row.ratio.map { "\(Self.format($0))×" } ?? "",
                row.goal ?? "",
                row.goalMet.map { $0 ? "yes" : "NO" } ?? "",
                row.verified ? "ok" : "WRONG",
            ]
        }
        let notes = rows.compactMap { row in row.note.map { "- \(row.section) / \(row.name): \($0)" } }
        var lines = Self.grid(header: header, body: body, markdown: markdown)
        if !notes.isEmpty { lines += ["", "Notes:"] + notes }
        let profiled = rows.filter { $0.profile != nil }
        if !profiled.isEmpty {
            lines += ["", "The seed's comparison table, measured (wall time, speedup over sequential, cores busy, memory added: resident growth plus the largest worker process):"]
            lines += Self.grid(
                header: ["work", "Parallel", "Python"],
                body: profiled.map { row in
                    ["\(row.section): \(row.name)", row.profile?.summary ?? "", row.peerProfile?.summary ?? "n/a"]
                },
                markdown: markdown
            )
        }
        return lines.joined(separator: "\n")
    }

    /// Rows of cells as a Markdown table or as aligned columns.
    static func grid(header: [String], body: [[String]], markdown: Bool) -> [String] {
        if markdown {
            return ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
                + body.map { "| " + $0.joined(separator: " | ") + " |" }
        }
        let widths = header.indices.map { column in
            ([header] + body).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return [line(header), line(widths.map { String(repeating: "-", count: $0) })] + body.map(line)
    }

    /// Three significant digits, with thousands grouped for large values.
    static func format(_ value: Double) -> String {
        if value >= 1000 {
            let rounded = Int(value.rounded())
            var digits = String(rounded)
            var grouped = ""
            while digits.count > 3 {
                grouped = "," + digits.suffix(3) + grouped
                digits.removeLast(3)
            }
            return digits + grouped
        }
        if value >= 100 { return String(Int(value.rounded())) }
        if value >= 10 { return String((value * 10).rounded() / 10) }
        return String((value * 100).rounded() / 100)
    }
}
