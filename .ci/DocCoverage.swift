// Checks the symbol graphs that `swift package generate-documentation` extracted: every public
// symbol declared in the module's own source has a doc comment of its own (not one inherited
// from a protocol such as `TestScoping` or `XCTestObservation`), and the module's landing page
// curates every top-level symbol in a topic group of its own (DocC would otherwise file it
// under a generated "Classes"/"Structures" group without complaint).
//
// Usage: swift .ci/DocCoverage.swift <symbol-graph-dir> <landing-page-json> [...pairs]
// (.ci/check-docs runs it after building the documentation).
import Foundation

func load(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
    }
    return object
}

var problems: [String] = []
let arguments = Array(CommandLine.arguments.dropFirst())
guard !arguments.isEmpty, arguments.count % 2 == 0 else {
    FileHandle.standardError.write(Data("usage: DocCoverage.swift <symbol-graph-dir> <landing-page-json> ...\n".utf8))
    exit(2)
}
for pair in stride(from: 0, to: arguments.count, by: 2) {
    let directory = arguments[pair]
    let files = (try FileManager.default.contentsOfDirectory(atPath: directory))
        .filter { $0.hasSuffix(".symbols.json") }.sorted()
    if files.isEmpty { problems.append("\(directory): no symbol graphs (was the documentation built?)") }
    var checked = 0
    for file in files {
        let graph = try load("\(directory)/\(file)")
        let module = (graph["module"] as? [String: Any])?["name"] as? String ?? "?"
        for case let symbol as [String: Any] in graph["symbols"] as? [Any] ?? [] {
            let kind = (symbol["kind"] as? [String: Any])?["identifier"] as? String ?? ""
            // Extension blocks carry no text; symbols without a location are synthesized
            // (Hashable, RawRepresentable) or default implementations from other modules.
            guard kind != "swift.extension", let location = symbol["location"] as? [String: Any] else { continue }
            checked += 1
            let comment = symbol["docComment"] as? [String: Any]
            let lines = comment?["lines"] as? [Any] ?? []
            if lines.isEmpty || (comment?["module"] as? String).map({ $0 != module }) == true {
                let path = (symbol["pathComponents"] as? [String] ?? []).joined(separator: ".")
                let uri = (location["uri"] as? String ?? "").split(separator: "/").last ?? ""
                let line = ((location["position"] as? [String: Any])?["line"] as? Int).map { $0 + 1 } ?? 0
                problems.append("\(uri):\(line): public \(kind.replacingOccurrences(of: "swift.", with: "")) \(path) has no doc comment of its own")
            }
        }
    }
    let landing = try load(arguments[pair + 1])
    // "Extended Modules" lists the modules this one extends; their members are curated by hand.
    for case let section as [String: Any] in landing["topicSections"] as? [Any] ?? []
    where section["generated"] as? Bool == true && section["title"] as? String != "Extended Modules" {
        let identifiers = section["identifiers"] as? [String] ?? []
        problems.append("\(arguments[pair + 1]): not curated in a topic group of the landing page: \(identifiers.joined(separator: ", "))")
    }
    print("\(directory): \(checked) public symbols checked")
}
if !problems.isEmpty {
    print(problems.joined(separator: "\n"))
    print("\(problems.count) documentation problem(s)")
    exit(1)
}
