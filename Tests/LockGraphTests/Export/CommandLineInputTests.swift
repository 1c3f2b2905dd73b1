import Foundation
import Testing
@testable import LockGraph

/// `lockgraph check` and `render` on awkward input: file names that are not UTF-8, JSON whose
/// fields hold the wrong thing, FIFOs, directories and unreadable files. Each is read or
/// refused with the file, the field and the reason, and exit status 2; none hangs.
extension CommandLineTests {
    /// A small valid record with one edge, "a" -> "b".
    private static let record = LockGraphDocument(
        kind: LockGraphDocument.recordKind,
        process: .init(pid: 1, executable: "x", date: "2026-11-26T00:00:00Z"),
        locks: [.init(id: nil, name: "a", classKey: "a", type: "TrackedMutex", file: "A.swift", line: 1),
                .init(id: nil, name: "b", classKey: "b", type: "TrackedMutex", file: "A.swift", line: 2)],
        edges: [.init(from: "a", to: "b", fromID: nil, toID: nil, thread: .init(id: 1, name: nil), closesCycle: false,
                      holderStack: [], acquirerStack: [])],
        threads: nil).encoded()

    /// Writes `data` to `directory/name`, where `name` is raw bytes (a String cannot hold them).
    private func write(_ data: Data, to directory: URL, name: [UInt8]) throws {
        let path = Array(directory.path.utf8) + [UInt8(ascii: "/")] + name + [0]
        let descriptor = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_TRUNC, 0o644) }
        }
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        try #require(written == data.count)
    }

    /// Runs lockgraph through the shell, so an argument can carry bytes that are not UTF-8
    /// (`printf '\377'`): Foundation's Process takes arguments as Strings.
    private func runThroughShell(_ script: String, in directory: URL) throws -> InteractiveProcess {
        let lockgraph = InteractiveProcess.fixture("lockgraph").path
        let process = try InteractiveProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                             arguments: ["-c", script, lockgraph, directory.path])
        #expect(process.waitForExit(timeout: 60))
        return process
    }

    @Test func aFileWhoseNameIsNotUTF8IsRead() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try write(Self.record, to: directory, name: Array("record-".utf8) + [0xFF, 0xFE] + Array(".json".utf8))

        let named = try runThroughShell(#"exec "$0" check "$1/record-$(printf '\377\376').json""#, in: directory)
        #expect(named.exitStatus == 0, "\(named.standardError)")
        #expect(named.standardOutput.contains("Checked 1 class-level edges from 1 file(s)."))

        let listed = try runThroughShell(#"exec "$0" check "$1""#, in: directory)
        #expect(listed.exitStatus == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.contains("Checked 1 class-level edges from 1 file(s)."))

        let rendered = try runThroughShell(#"exec "$0" render "$1/record-$(printf '\377\376').json""#, in: directory)
        #expect(rendered.exitStatus == 0, "\(rendered.standardError)")
        #expect(rendered.standardOutput.contains("a -> b;"), "\(rendered.standardOutput)")

        // A message names such a file with its bytes written out.
        try write(Data("{}".utf8), to: directory, name: Array("bad-".utf8) + [0xFF] + Array(".json".utf8))
        let bad = try runThroughShell(#"exec "$0" check "$1/bad-$(printf '\377').json""#, in: directory)
        #expect(bad.exitStatus == 2)
        #expect(bad.standardError.contains("bad-\\xFF.json: missing \"schemaVersion\""), "\(bad.standardError)")
    }

    @Test func jsonErrorsNameTheFieldAndTheReason() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = String(decoding: Self.record, as: UTF8.self)
        let cases: [(name: String, json: String, message: String)] = [
            ("negative-line.json", text.replacingOccurrences(of: "\"line\" : 2", with: "\"line\" : -1"),
             "locks[1].line: must be a non-negative integer, found -1"),
            ("fractional-version.json", text.replacingOccurrences(
                of: "\"schemaVersion\" : \(LockGraphDocument.currentSchemaVersion)", with: "\"schemaVersion\" : 1.5"),
             "schemaVersion: must be an integer, found 1.5"),
            ("string-pid.json", text.replacingOccurrences(of: "\"pid\" : 1", with: "\"pid\" : \"one\""),
             "process.pid: must be a 32-bit integer, found \"one\""),
            ("deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
             "[0][0][0][0][0][0]… (64 levels): nested deeper than 64 levels"),
            ("deep-field.json", #"{"schemaVersion": 1, "edges": [{"holderStack": "# + String(repeating: "[", count: 100_000),
             "edges[0].holderStack[0][0][0]… (64 levels): nested deeper than 64 levels"),
        ]
        for entry in cases {
            #expect(entry.json != text, "the case \(entry.name) changed nothing")
            let file = directory.appendingPathComponent(entry.name)
            try Data(entry.json.utf8).write(to: file)
            let check = try run("lockgraph", ["check", file.path])
            #expect(check.exitStatus == 2)
            #expect(check.standardError.contains("\(entry.name): \(entry.message)"), "\(check.standardError)")
        }
    }

    @Test func aFIFOADirectoryAndAnUnreadableFileSayWhy() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe.json")
        try #require(mkfifo(fifo.path, 0o644) == 0)
        // Nothing ever writes to the FIFO: reading it would wait forever.
        for command in ["check", "render"] {
            let started = Date()
            let process = try run("lockgraph", [command, fifo.path])
            #expect(Date().timeIntervalSince(started) < 30)
            #expect(process.exitStatus == 2)
            #expect(process.standardError.contains("pipe.json: is not a regular file (a FIFO)"), "\(process.standardError)")
        }

        let render = try run("lockgraph", ["render", directory.path])
        #expect(render.exitStatus == 2)
        #expect(render.standardError.contains("\(directory.path): is a directory"), "\(render.standardError)")

        let locked = directory.appendingPathComponent("locked.json")
        try Self.record.write(to: locked)
        try #require(chmod(locked.path, 0) == 0)
        // Root reads any file: drop the capabilities that let it, for the command only.
        let lockgraph = InteractiveProcess.fixture("lockgraph").path
        let denied = geteuid() == 0
            ? try InteractiveProcess(executable: URL(fileURLWithPath: "/usr/bin/setpriv"),
                                     arguments: ["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all",
                                                 lockgraph, "check", locked.path])
            : try InteractiveProcess(executable: URL(fileURLWithPath: lockgraph), arguments: ["check", locked.path])
        #expect(denied.waitForExit(timeout: 60))
        #expect(denied.exitStatus == 2)
        #expect(denied.standardError.contains("locked.json: permission denied"), "\(denied.standardError)")
    }
}
