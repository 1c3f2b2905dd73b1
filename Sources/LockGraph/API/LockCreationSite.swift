/// Where a tracked lock counts as created: the site its reports print, and, for a lock without
/// a name, its class (see ``LockDescriptor/classKey``).
///
/// By default a lock is created where its initializer is called (`#fileID` and `#line`). A lock
/// made inside a lock-wrapper type, such as
///
///     public final class ServerLock {
///         private let base = TrackedMutex()   // every ServerLock's lock: "ServerLock.swift:2"
///     }
///
/// would then carry the wrapper's line for every instance: all of them fall into one class, and
/// class checking (`LOCKGRAPH_CLASSES`, `lockgraph check`) sees cycles through that one class
/// that no pair of real locks makes. Declaring the wrapper names each lock after the code that
/// created the wrapper instead:
///
///     private let base = TrackedMutex(creationSite: .caller(skipping: "ServerLock"))
///     // the lock of `let sessions = ServerLock()` in Server.swift:40 is
///     // "ServerLock#12 (Server.swift:40)", class "App/Server.swift:40"
///
/// `LOCKGRAPH_WRAPPERS=Module,Type` declares wrappers without changing their code (a library's
/// wrappers, when its locks are swapped for tracked ones); its names add to those given here.
///
/// How the site is found: when any wrapper is declared (here or in `LOCKGRAPH_WRAPPERS`), the
/// initializer captures the creating thread's raw return addresses (a few microseconds; nothing
/// at all is captured otherwise), and walks them outwards, symbolized through the address cache
/// reports use: LockGraph's own frames, the standard library's and thunks are always stepped
/// over, so are frames whose function belongs to a declared wrapper, and the first frame left
/// is the site, as `Module/File.swift` and its line from the debug information. The walk runs
/// at creation, not later: the class key is then a constant for the lock's life, read without
/// any lock by reports and statistics, and never computed under the lock graph's own lock (the
/// first symbolization of an image reads its line table, which can take milliseconds). Code
/// does not move between runs of one build, so the same code gives the same site in every run,
/// and records (`LOCKGRAPH_RECORD`) from several processes agree.
///
/// The site stays the initializer's call, exactly as without a wrapper, when the initializer
/// is not called from a declared wrapper, and when the frame found has no line information (a
/// build without debug information) or cannot be symbolized: a lock is never classed by an
/// address, which differs between runs.
public struct LockCreationSite: Sendable, Hashable {
    /// The declared wrapper names, as given (split at their dots only when matched: this value
    /// is built at every initializer call).
    let wrappers: [String]

    private init(wrappers: [String]) {
        self.wrappers = wrappers
    }

    /// The initializer's own call site (`#fileID` and `#line`): the default. Wrappers named in
    /// `LOCKGRAPH_WRAPPERS` are still stepped over.
    public static let initializerCall = LockCreationSite(wrappers: [])

    /// The first caller outside `wrappers`: the code that created the wrapper that created the
    /// lock.
    ///
    /// Each name is a module (`NIOConcurrencyHelpers`: every function of the module), a type
    /// (`NIOLock`: its methods, initializers, accessors, closures, and the types nested in it),
    /// or a qualified type (`NIOConcurrencyHelpers.NIOLock`, `Outer.Inner`), matched against
    /// the demangled names of the frames. Name the outermost wrapper too when wrappers nest
    /// (`NIOLockedValueBox` holds a `NIOLock`), or name their module. A name that matches no
    /// frame changes nothing.
    public static func caller(skipping wrappers: String...) -> LockCreationSite {
        LockCreationSite(wrappers: wrappers)
    }

    /// The variadic `caller(skipping:)` with the names in an array.
    public static func caller(skipping wrappers: [String]) -> LockCreationSite {
        LockCreationSite(wrappers: wrappers)
    }
}
