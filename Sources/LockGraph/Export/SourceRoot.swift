import Foundation

/// Finds the package root a source file belongs to, so that records and CI formats (SARIF's
/// `%SRCROOT%`) can name the file relative to it: a CI runner checks the code out elsewhere, and
/// GitHub code scanning matches annotations by repository-relative path.
///
/// The root of a file is, in this order:
/// - `override` (`LOCKGRAPH_SOURCE_ROOT`), when the file lies under it;
/// - else the nearest ancestor directory holding a `Package.swift` that is not itself inside a
///   `.build` directory: a dependency checked out under `<root>/.build/checkouts/` belongs to the
///   package that builds it, so all frames of one build share one root.
///
/// A file under no root (a toolchain path such as `/usr/...`, or a relative path) has none.
/// Looks at the file system (one `fileExists` per ancestor, cached per directory); meant for
/// export time (process exit, `lockgraph check`), never the lock hot path.
struct SourceRootResolver {
    /// Where a file lies under its root.
    struct Located: Equatable {
        let root: String
        let relativePath: String
    }

    private let override: String?
    private var rootByDirectory: [String: String?] = [:]

    /// `override`: `LOCKGRAPH_SOURCE_ROOT`, or nil; a relative or empty one is ignored.
    init(override: String?) {
        self.override = override.flatMap { Self.normalized($0) }
    }

    /// The root and root-relative path of `file`, or nil when it lies under no root.
    mutating func locate(_ file: String) -> Located? {
        guard let path = Self.normalized(file) else { return nil }
        if let override, let relative = Self.relative(path, under: override) {
            return Located(root: override, relativePath: relative)
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard let root = packageRoot(of: directory), let relative = Self.relative(path, under: root) else { return nil }
        return Located(root: root, relativePath: relative)
    }

    private mutating func packageRoot(of directory: String) -> String? {
        if let known = rootByDirectory[directory] { return known }
        let found: String?
        if directory == "/" || directory.isEmpty {
            found = nil
        } else if !directory.split(separator: "/").contains(".build"),
                  FileManager.default.fileExists(atPath: directory + "/Package.swift") {
            found = directory
        } else {
            found = packageRoot(of: (directory as NSString).deletingLastPathComponent)
        }
        rootByDirectory[directory] = found
        return found
    }

    /// `path` relative to `root`, or nil when it is not strictly below it.
    static func relative(_ path: String, under root: String) -> String? {
        let prefix = root == "/" ? "/" : root + "/"
        guard path.hasPrefix(prefix), path.count > prefix.count else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// An absolute path without `.`/`..` components or a trailing slash; nil for a relative one
    /// (a frame's file as `#fileID` gives it: `Module/File.swift` names no place on disk).
    static func normalized(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}

extension LockGraphDocument.Frame {
    /// The frame with ``relativeFile`` and ``sourceRoot`` set when its file lies under a root
    /// (fields already set are kept: they were resolved where the file existed).
    func locatingSource(with roots: inout SourceRootResolver) -> Self {
        guard relativeFile == nil, let file, let located = roots.locate(file) else { return self }
        var frame = self
        frame.relativeFile = located.relativePath
        frame.sourceRoot = located.root
        return frame
    }
}
