import Foundation

/// Writes findings as a SARIF 2.1.0 log that GitHub code scanning accepts: one run, LockGraph as
/// its `tool.driver` with a rule per kind of problem, one result per finding.
///
/// A result's primary location is the finding's ``LockGraphFinding/location`` and its related
/// locations the others, each written only when its file is known relative to a package root
/// (a URI under `%SRCROOT%`) with a line of 1 or more: SARIF viewers resolve such a URI against
/// the checkout, while an absolute path from the machine that ran the code would point nowhere.
/// A result none of whose locations qualify has no `locations` (its message still says all).
enum SARIFWriter {
    static let schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    static let rootBase = "%SRCROOT%"
    /// The `partialFingerprints` key: the algorithm's name and version (see
    /// ``LockGraphFinding/fingerprint(rule:locks:)``).
    static let fingerprintKey = "lockgraphFinding/v1"

    static func log(for report: LockGraphFinding.Report) -> String {
        let rules = report.allRules
        let results = report.findings.map { finding in
            let related = finding.relatedLocations.compactMap(location)
            return Result(
                ruleId: finding.rule.id,
                ruleIndex: rules.firstIndex(of: finding.rule) ?? 0,
                message: Message(text: finding.text),
                locations: finding.location.flatMap(location).map { [$0] },
                relatedLocations: related.isEmpty ? nil : related.enumerated().map { index, location in
                    var numbered = location
                    numbered.id = index + 1
                    return numbered
                },
                partialFingerprints: [fingerprintKey: finding.fingerprint])
        }
        // `%SRCROOT%` is given a value only when every written location shares one root.
        let located = report.findings.flatMap { [$0.location].compactMap { $0 } + $0.relatedLocations }
        let roots = Set(located.filter { location($0) != nil }.compactMap(\.root))
        var base: [String: ArtifactLocation]?
        if roots.count == 1, let root = roots.first {
            base = [rootBase: ArtifactLocation(uri: fileURI(directory: root), uriBaseId: nil)]
        }
        let run = Run(
            tool: Tool(driver: Driver(name: "LockGraph", rules: rules.map(ReportingDescriptor.init))),
            originalUriBaseIds: base,
            results: results)
        return LockGraphFinding.Report.encode(Log(schema: schema, version: "2.1.0", runs: [run]))
    }

    /// The SARIF location of `location`, or nil when it has no root-relative file or no line.
    private static func location(_ location: LockGraphFinding.Location) -> Location? {
        guard let relative = location.relativeFile, !relative.isEmpty, !relative.hasPrefix("/"), location.line >= 1,
              let uri = relative.addingPercentEncoding(withAllowedCharacters: uriPathCharacters)
        else { return nil }
        return Location(
            id: nil,
            physicalLocation: PhysicalLocation(
                artifactLocation: ArtifactLocation(uri: uri, uriBaseId: rootBase),
                region: Region(startLine: location.line)),
            message: Message(text: location.message))
    }

    /// RFC 3986 path characters: unreserved, sub-delims, `:`, `@` and `/`.
    private static let uriPathCharacters = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/")

    private static func fileURI(directory: String) -> String {
        let path = directory.addingPercentEncoding(withAllowedCharacters: uriPathCharacters) ?? directory
        return "file://" + path + (path.hasSuffix("/") ? "" : "/")
    }

    // The SARIF objects written (section numbers of the SARIF 2.1.0 specification).

    /// 3.13 sarifLog.
    private struct Log: Encodable {
        let schema: String
        let version: String
        let runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    /// 3.14 run.
    private struct Run: Encodable {
        let tool: Tool
        let originalUriBaseIds: [String: ArtifactLocation]?
        let results: [Result]
    }

    /// 3.18 tool; 3.19 toolComponent.
    private struct Tool: Encodable { let driver: Driver }
    private struct Driver: Encodable {
        let name: String
        let rules: [ReportingDescriptor]
    }

    /// 3.49 reportingDescriptor.
    private struct ReportingDescriptor: Encodable {
        struct Configuration: Encodable { let level: String }
        let id: String
        let name: String
        let shortDescription: Message
        let fullDescription: Message
        let defaultConfiguration: Configuration

        init(_ rule: LockGraphFinding.Rule) {
            id = rule.id
            name = rule.name
            shortDescription = Message(text: rule.shortDescription)
            fullDescription = Message(text: rule.fullDescription)
            defaultConfiguration = Configuration(level: "error")
        }
    }

    /// 3.27 result.
    private struct Result: Encodable {
        let ruleId: String
        let ruleIndex: Int
        var level = "error"
        let message: Message
        let locations: [Location]?
        let relatedLocations: [Location]?
        let partialFingerprints: [String: String]

        init(ruleId: String, ruleIndex: Int, message: Message, locations: [Location]?, relatedLocations: [Location]?,
             partialFingerprints: [String: String]) {
            self.ruleId = ruleId
            self.ruleIndex = ruleIndex
            self.message = message
            self.locations = locations
            self.relatedLocations = relatedLocations
            self.partialFingerprints = partialFingerprints
        }
    }

    /// 3.11 message (plain text only).
    private struct Message: Encodable { let text: String }

    /// 3.28 location; 3.29 physicalLocation; 3.4 artifactLocation; 3.30 region.
    private struct Location: Encodable {
        var id: Int?
        let physicalLocation: PhysicalLocation
        let message: Message
    }
    private struct PhysicalLocation: Encodable {
        let artifactLocation: ArtifactLocation
        let region: Region
    }
    private struct ArtifactLocation: Encodable {
        let uri: String
        let uriBaseId: String?
    }
    private struct Region: Encodable { let startLine: Int }
}
