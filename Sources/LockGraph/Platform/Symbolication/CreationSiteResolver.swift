/// A lock's creation site after wrappers were stepped over (see `LockCreationSite`).
struct ResolvedCreationSite: Sendable, Equatable {
    /// `Module/File.swift`, like `#fileID` (just `File.swift` when the frame's module is unknown).
    let file: String
    let line: UInt
    /// The type of the outermost wrapper frame stepped over (`ServerLock`), if it had one.
    let wrapperType: String?
}

/// Finds a lock's creation site past the declared wrappers, at the lock's creation (why then:
/// see `LockCreationSite`).
///
/// Cost: nothing unless a wrapper is declared. Otherwise one raw capture, then a walk outwards
/// over the frames, each parsed once per address for the life of the process (`frameCache`, on
/// top of `Symbolication`'s cache), which stops at the first frame outside LockGraph and the
/// wrappers. A program creating many locks from a few call sites symbolizes each address once
/// and afterwards pays the capture and a handful of lookups per lock, under one acquisition of
/// the cache's lock: 2.5–3.2 µs a lock in a release build, against 0.25–0.3 µs without a
/// wrapper, after a one-time 0.1–0.3 s at the first such lock (the image's line table indexed).
enum CreationSiteResolver {
    /// Frames symbolized at once when the walk reaches one not cached: enough for LockGraph's
    /// initializer frames and a wrapper or two, so a new call site symbolizes one batch.
    private static let batchSize = 16

    /// `LOCKGRAPH_WRAPPERS`.
    static let environmentWrappers: [String] = Configuration.settings.wrappers

    private static let frameCache = InternalProtected<[Symbolication.FrameKey: [SiteFrame]]>([:])

    /// Every wrapper name declared so far: `LOCKGRAPH_WRAPPERS`, then each `creationSite:`'s
    /// names as locks are created with them. A report's stacks step over these frames too when
    /// they name the user's code to change (see `LockBacktrace.userFrame`).
    private static let declared = InternalProtected<[String]>(environmentWrappers)

    /// The wrapper names declared so far (see `declared`).
    static var declaredWrappers: [String] { declared.withLock { $0 } }

    /// The site of a lock whose initializer was called at `file`:`line` with `site`.
    static func resolve(_ site: LockCreationSite, file: StaticString, line: UInt) -> ResolvedCreationSite {
        let declared = ResolvedCreationSite(file: String(describing: file), line: line, wrapperType: nil)
        let wrappers = environmentWrappers.isEmpty ? site.wrappers : site.wrappers + environmentWrappers
        guard !wrappers.isEmpty else { return declared }
        if !site.wrappers.isEmpty {
            Self.declared.withLock { names in
                for name in site.wrappers where !names.contains(name) { names.append(name) }
            }
        }
        return resolve(StackTrace.capture(), wrappers: wrappers) ?? declared
    }

    /// The first frame of `trace` (innermost first) outside LockGraph and `wrappers`, when at
    /// least one wrapper frame came before it and it has a source line; nil otherwise (the
    /// declared site stands). `firstIsReturnAddress`: the trace starts at a caller's frame (a
    /// suffix of a captured stack), not at the capture's own program counter.
    static func resolve(_ trace: StackTrace, wrappers: [String], firstIsReturnAddress: Bool = false) -> ResolvedCreationSite? {
        var walk = Walk(wrappers: wrappers)
        var index = 0
        while true {
            // Walk the cached frames under one lock acquisition, up to a decision or an address
            // not cached yet.
            let reached: Int? = frameCache.withLock { cache in
                while index < trace.addresses.count, walk.decision == nil {
                    guard let frames = cache[key(trace, index, firstIsReturnAddress)] else { return index }
                    walk.step(frames)
                    index += 1
                }
                return nil
            }
            guard let uncached = reached else {
                if case .site(let site) = walk.decision { return site }
                return nil
            }
            let keys = (uncached..<min(uncached + batchSize, trace.addresses.count)).map { key(trace, $0, firstIsReturnAddress) }
            guard let symbolized = Symbolication.cachedFrames(of: keys) else { return nil }
            frameCache.withLock { cache in
                for (key, frames) in symbolized where cache[key] == nil { cache[key] = frames.map(SiteFrame.init) }
            }
            // An address `Runtime` returned nothing for ends the walk (the next pass would ask again).
            guard symbolized[key(trace, uncached, firstIsReturnAddress)] != nil else { return nil }
        }
    }

    private static func key(_ trace: StackTrace, _ index: Int, _ firstIsReturnAddress: Bool) -> Symbolication.FrameKey {
        Symbolication.FrameKey(address: trace.addresses[index], isReturnAddress: index != 0 || firstIsReturnAddress)
    }

    /// The state of one walk outwards over a stack.
    private struct Walk {
        enum Decision {
            /// The first frame outside the wrappers, which came after at least one wrapper frame.
            case site(ResolvedCreationSite)
            /// The declared site stands: no wrapper frame came first, or the frame found has
            /// no line, or no symbol.
            case declared
        }

        let wrappers: [String]
        private(set) var decision: Decision?
        private var steppedOverWrapper = false
        private var wrapperType: String?

        init(wrappers: [String]) { self.wrappers = wrappers }

        /// Takes the frames of one address (inlined calls first, as on the stack).
        mutating func step(_ frames: [SiteFrame]) {
            for frame in frames where decision == nil {
                switch frame.role {
                case .passThrough:
                    continue
                case .opaque:
                    decision = .declared
                case .code:
                    if frame.belongs(toAnyOf: wrappers) {
                        steppedOverWrapper = true
                        wrapperType = frame.typeName ?? wrapperType
                    } else if steppedOverWrapper, let file = frame.file {
                        decision = .site(ResolvedCreationSite(file: file, line: frame.line, wrapperType: wrapperType))
                    } else {
                        decision = .declared
                    }
                }
            }
        }
    }
}

/// One symbolized frame as the creation-site walk sees it.
struct SiteFrame: Sendable {
    enum Role: Sendable {
        /// LockGraph's own code, the standard library, thunks, macro-generated glue: never a
        /// site, never a wrapper; the walk goes on past it.
        case passThrough
        /// No symbol: the walk cannot tell what it is, and stops (the declared site stands).
        case opaque
        /// A function with a name: a wrapper's, or the site.
        case code
    }

    let role: Role
    /// The function's declaration context: the module of its mangled name, then the enclosing
    /// types of its demangled name (`["NIOConcurrencyHelpers", "NIOLock"]` for `NIOLock.init()`);
    /// empty for C.
    let context: [String]
    /// The module whose code this is (an extension's module for a method added by extension).
    let module: String?
    /// `Module/File.swift` of the frame's source line, nil without one.
    let file: String?
    let line: UInt

    static let opaque = SiteFrame(role: .opaque, context: [], module: nil, file: nil, line: 0)

    private init(role: Role, context: [String], module: String?, file: String?, line: UInt) {
        self.role = role
        self.context = context
        self.module = module
        self.file = file
        self.line = line
    }

    init(_ frame: Symbolication.CachedFrame) {
        let rawName = frame.rawName
        if rawName.isEmpty {
            self = .opaque
            return
        }
        if Symbolication.isInternal(rawName: rawName) || Symbolication.isStandardLibrary(rawName: rawName)
            || frame.isThunk || Symbolication.isMacroGenerated(rawName: rawName) {
            self.init(role: .passThrough, context: [], module: nil, file: nil, line: 0)
            return
        }
        let parsed = DemangledName.context(of: frame.name ?? rawName)
        let mangledModule = DemangledName.module(ofMangled: rawName)
        let context = (mangledModule.map { [$0] } ?? []) + parsed.context
        let module = parsed.extensionModule ?? mangledModule
        var file: String?
        // A line inside a macro expansion points into the expansion buffer, not the user's file.
        if let path = frame.path, frame.line > 0, !path.contains("@__swiftmacro_") {
            let fileName = path.split(separator: "/").last.map(String.init) ?? path
            file = module.map { "\($0)/\(fileName)" } ?? fileName
        }
        self.init(role: .code, context: context, module: module, file: file, line: UInt(max(frame.line, 0)))
    }

    /// Whether the function belongs to one of `wrappers`: a plain name is a component of the
    /// context (a module is the context's first) or the module of the code; a qualified name's
    /// components appear in the context in order and adjacent.
    func belongs(toAnyOf wrappers: [String]) -> Bool {
        wrappers.contains { name in
            guard name.utf8.contains(UInt8(ascii: ".")) else { return name == module || context.contains(name) }
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= context.count else { return false }
            return (0...(context.count - parts.count)).contains { start in
                context[start..<(start + parts.count)].elementsEqual(parts) { $0 == $1 }
            }
        }
    }

    /// The innermost enclosing type, when the function is inside one.
    var typeName: String? { context.count >= 2 ? context.last : nil }
}
