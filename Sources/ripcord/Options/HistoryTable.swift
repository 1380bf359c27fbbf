import Foundation
import RipcordCore

/// Renders rollbacks as a table that fits the terminal, with colour only where it helps.
struct HistoryTable {
    let width: Int
    let colour: Bool

    static let headers = ["WHEN", "SERVICE", "NAMESPACE", "VERSION", "TRIGGER", "EXECUTOR", "RESULT", "DURATION"]
    /// Headers for narrow terminals.
    static let compactHeaders = ["WHEN", "SERVICE", "NS", "VERSION", "TRIGGER", "EXECUTOR", "RESULT", "TOOK"]

    /// A terminal's width when stdout is one (or $COLUMNS), else 120.
    static func terminalWidth() -> Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns >= 40 { return columns }
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 {
            return Int(size.ws_col)
        }
        return 120
    }

    /// Colour on a TTY, never with NO_COLOR set.
    static func colourWanted() -> Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    static func when(_ text: String?) -> String {
        guard let text, text.count >= 16 else { return text ?? "" }
        let start = text.startIndex
        return String(text[start..<text.index(start, offsetBy: 10)]) + " " + String(text[text.index(start, offsetBy: 11)..<text.index(start, offsetBy: 16)])
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        return "\(Int(seconds) / 60)m\(String(format: "%02d", Int(seconds) % 60))s"
    }

    func row(_ r: RollbackSummary, trigger: String?) -> [String] {
        [HistoryTable.when(r.startedAt ?? r.createdAt), r.service, r.namespace, "\(r.fromVersion) → \(r.toVersion)",
         trigger ?? "-", r.executor ?? "-", r.status.rawValue, HistoryTable.duration(r.durationSeconds)]
    }

    /// The table's lines: natural widths when they fit; otherwise one-space gaps, a short date, and
    /// the columns with the most slack cut (with "…") until the table fits.
    func render(_ rows: [[String]]) -> [String] {
        let natural = [HistoryTable.headers] + rows
        func widths(of table: [[String]]) -> [Int] {
            (0..<HistoryTable.headers.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        }
        var table = natural
        var gap = 2
        var sizes = widths(of: table)
        if sizes.reduce(0, +) + gap * (sizes.count - 1) > width {
            gap = 1
            // "2026-11-20 10:00" becomes "11-20 10:00".
            table = natural.enumerated().map { index, cells in
                var cells = cells
                if index == 0 { return HistoryTable.compactHeaders }
                if cells[0].count == 16 { cells[0] = String(cells[0].dropFirst(5)) }
                return cells
            }
            sizes = widths(of: table)
        }
        // WHEN, SERVICE, NAMESPACE, VERSION, TRIGGER, EXECUTOR, RESULT, DURATION
        let minimum = [11, 8, 4, 13, 7, 8, 9, 5]
        while sizes.reduce(0, +) + gap * (sizes.count - 1) > width {
            let slack = sizes.indices.map { sizes[$0] - min(sizes[$0], minimum[$0]) }
            guard let column = slack.indices.max(by: { slack[$0] < slack[$1] }), slack[column] > 0 else { break }
            sizes[column] -= 1
        }
        let separator = String(repeating: " ", count: gap)
        return table.enumerated().map { index, cells in
            cells.enumerated().map { column, cell in
                var text = cell.count > sizes[column] ? String(cell.prefix(sizes[column] - 1)) + "…" : cell
                let padding = String(repeating: " ", count: sizes[column] - text.count)
                if colour && index > 0 && column == 6 { text = HistoryTable.paint(text) }
                return column == cells.count - 1 ? text : text + padding
            }.joined(separator: separator)
        }
    }

    static func paint(_ status: String) -> String {
        let code: String
        switch status {
        case "succeeded": code = "32"
        case "failed", "interrupted": code = "31"
        case "cancelled": code = "90"
        default: code = "33"
        }
        return "\u{1B}[\(code)m\(status)\u{1B}[0m"
    }
}
