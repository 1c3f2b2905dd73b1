import Foundation

extension LockGraphFinding {
    /// The formats findings are written in (`lockgraph check --format`).
    public enum Format: String, CaseIterable, Sendable {
        /// The human-readable report, unchanged from before formats existed.
        case text
        /// LockGraph's own versioned document, `kind` `"lockgraph-findings"` (see ``Report``).
        case json
        /// SARIF 2.1.0, as GitHub code scanning and other static-analysis viewers read it.
        case sarif
        /// JUnit XML: one failed test case per finding, as CI test-report viewers read it.
        case junit
    }

    /// A list of findings and what to write when there are none, in any ``Format``.
    ///
    /// The JSON format (`schemaVersion` 1) is one object: `schemaVersion`, `kind`
    /// (`"lockgraph-findings"`), `name` (what was checked), `findings` (each with `ruleId`,
    /// `title`, `text`, `fingerprint`, `locks`, `location` when known and `relatedLocations`;
    /// a location has `file`, `line`, `message`, and `relativeFile` and `root` when known).
    /// Later versions only add fields; a reader should check `schemaVersion`.
    public struct Report: Sendable {
        /// The version of the JSON format written.
        public static let jsonSchemaVersion = 1
        /// The JSON format's `kind`.
        public static let jsonKind = "lockgraph-findings"

        /// What was checked, as the JUnit suite's name: `lockgraph check`.
        public var name: String
        /// What was found, in report order.
        public var findings: [LockGraphFinding]
        /// Every rule this kind of check can report, in SARIF's `tool.driver.rules` order
        /// (rules of findings missing from it are added after).
        public var rules: [Rule]
        /// The whole text report (the text format's output).
        public var text: String
        /// The JUnit test case that passes when there is no finding: `no lock-order cycle`.
        public var passingCaseName: String

        /// A report of `findings`, with `text` as its text format.
        public init(name: String, findings: [LockGraphFinding], rules: [Rule], text: String, passingCaseName: String) {
            self.name = name
            self.findings = findings
            self.rules = rules
            self.text = text
            self.passingCaseName = passingCaseName
        }

        /// The report in `format`: text as given, the others built from the findings. Ends in a
        /// newline.
        public func rendered(as format: Format) -> String {
            let output = switch format {
            case .text: text
            case .json: json()
            case .sarif: SARIFWriter.log(for: self)
            case .junit: JUnitWriter.document(for: self)
            }
            return output.hasSuffix("\n") ? output : output + "\n"
        }

        /// Every rule SARIF lists: ``rules``, then any other rule a finding names.
        var allRules: [Rule] {
            var all = rules
            for finding in findings where !all.contains(finding.rule) { all.append(finding.rule) }
            return all
        }

        private func json() -> String {
            let document = FindingsDocument(
                schemaVersion: Self.jsonSchemaVersion, kind: Self.jsonKind, name: name,
                findings: findings.map(FindingsDocument.Finding.init))
            return Self.encode(document)
        }

        /// Pretty, key-sorted JSON (stable output for diffs and tests); slashes left unescaped.
        static func encode<Value: Encodable>(_ value: Value) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }
}

/// The JSON format's shape (see ``LockGraphFinding/Report``).
private struct FindingsDocument: Encodable {
    struct Location: Encodable {
        let file: String
        let relativeFile: String?
        let root: String?
        let line: Int
        let message: String

        init(_ location: LockGraphFinding.Location) {
            file = location.file
            relativeFile = location.relativeFile
            root = location.root
            line = location.line
            message = location.message
        }
    }

    struct Finding: Encodable {
        let ruleId: String
        let title: String
        let text: String
        let fingerprint: String
        let locks: [String]
        let location: Location?
        let relatedLocations: [Location]

        init(_ finding: LockGraphFinding) {
            ruleId = finding.rule.id
            title = finding.title
            text = finding.text
            fingerprint = finding.fingerprint
            locks = finding.locks
            location = finding.location.map(Location.init)
            relatedLocations = finding.relatedLocations.map(Location.init)
        }
    }

    let schemaVersion: Int
    let kind: String
    let name: String
    let findings: [Finding]
}
