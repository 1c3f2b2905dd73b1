/// Writes findings as JUnit XML, the de-facto schema CI test-report viewers read (`testsuites` >
/// `testsuite` > `testcase` > `failure`): one failed test case per finding, its report the
/// failure's text; one passing test case when there is none, so the suite is never empty.
enum JUnitWriter {
    static func document(for report: LockGraphFinding.Report) -> String {
        let failures = report.findings.count
        let tests = max(failures, 1)
        let suite = attributes([("name", report.name), ("tests", "\(tests)"), ("failures", "\(failures)"),
                                ("errors", "0"), ("skipped", "0")])
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            "<testsuites\(suite)>",
            "  <testsuite\(suite)>",
        ]
        if report.findings.isEmpty {
            lines.append("    <testcase\(attributes([("name", report.passingCaseName), ("classname", "lockgraph")]))/>")
        }
        for finding in report.findings {
            var caseAttributes = [("name", finding.title), ("classname", finding.rule.id.replacingOccurrences(of: "/", with: "."))]
            if let location = finding.location, let file = location.relativeFile {
                caseAttributes += [("file", file), ("line", "\(location.line)")]
            }
            lines.append("    <testcase\(attributes(caseAttributes))>")
            let failure = attributes([("message", finding.title), ("type", finding.rule.id)])
            lines.append("      <failure\(failure)>\(escape(finding.text, quotes: false))</failure>")
            lines.append("    </testcase>")
        }
        lines += ["  </testsuite>", "</testsuites>"]
        return lines.joined(separator: "\n") + "\n"
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(escape($0.1, quotes: true))\"" }.joined()
    }

    /// `text` as XML character data (or, with `quotes`, an attribute value): `&`, `<`, `>`
    /// escaped (and `"`, `'`, and in attributes the line breaks, which a parser would otherwise
    /// turn into spaces); characters XML 1.0 cannot carry at all (controls other than tab, line
    /// feed and carriage return, lone surrogates' replacements, U+FFFE/U+FFFF) become U+FFFD.
    static func escape(_ text: String, quotes: Bool) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"" where quotes: escaped += "&quot;"
            case "'" where quotes: escaped += "&apos;"
            case "\n" where quotes: escaped += "&#10;"
            case "\r": escaped += "&#13;"
            case "\t" where quotes: escaped += "&#9;"
            case "\t", "\n": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
