import Testing
@testable import LockGraph

/// A lock wrapper shaped like NIO's `NIOLock`, which declares itself: every instance's mutex is
/// created on the same line, and is named after the code that created the wrapper.
final class DeclaredWrapperLock: Sendable {
    let base = TrackedMutex(creationSite: .caller(skipping: "DeclaredWrapperLock"))
}

/// The same wrapper without the declaration: every instance carries the wrapper's line. Its
/// initializer also keeps its creating stack, so a test can resolve it as `LOCKGRAPH_WRAPPERS`
/// would, without changing the test process's environment.
final class PlainWrapperLock: Sendable {
    static let baseLine: UInt = #line + 1
    let base = TrackedMutex()
    let creationStack = StackTrace.capture()
}

/// A wrapper of a wrapper (like `NIOLockedValueBox` over `NIOLock`): naming the outer type too
/// names the lock after the outer wrapper's creator.
final class OuterWrapper: Sendable {
    let inner: TrackedMutex
    init() {
        inner = Self.makeInner()
    }

    private static func makeInner() -> TrackedMutex {
        TrackedMutex(creationSite: .caller(skipping: "OuterWrapper"))
    }
}

/// Makes every tracked type from a wrapper's code, declaring the wrapper.
enum TrackedFactory {
    static let site = LockCreationSite.caller(skipping: "LockGraphTests.TrackedFactory")

    static func infos() throws -> [LockInfo] {
        let condition = TrackedCondition(creationSite: site)
        let boundTo = TrackedMutex()
        let bound = TrackedCondition(lock: boundTo, creationSite: site)
        let valueMutex = TrackedValueMutex(0, creationSite: site)
        return [
            TrackedMutex(creationSite: site).info,
            TrackedRecursiveMutex(creationSite: site).info,
            TrackedRWLock(creationSite: site).info,
            condition.info,
            bound.signalInfo,
            TrackedLockedValueBox(0, creationSite: site).info,
            valueMutex.storage.lock.info,
            TrackedQueue<Int>(creationSite: site).info,
            try TrackedQueue<Int>(capacity: 2, creationSite: site).info,
            TrackedSemaphore(value: 1, creationSite: site).info,
            TrackedDispatchQueue(label: uniqueName("factory"), creationSite: site).info,
        ]
    }
}

@Suite("Creation sites through wrappers")
struct CreationSiteTests {
    @Test func locksMadeThroughADeclaredWrapperNameTheirCallersAndAreDifferentClasses() {
        let firstLine: UInt = #line + 1
        let first = DeclaredWrapperLock()
        let secondLine: UInt = #line + 1
        let second = DeclaredWrapperLock()
        let a = first.base.info.descriptor, b = second.base.info.descriptor
        #expect(a.file == "LockGraphTests/CreationSiteTests.swift")
        #expect(a.line == firstLine)
        #expect(b.file == "LockGraphTests/CreationSiteTests.swift")
        #expect(b.line == secondLine)
        #expect(a.classKey == "LockGraphTests/CreationSiteTests.swift:\(firstLine)")
        #expect(a.classKey != b.classKey)
        #expect(a.wrapperType == "DeclaredWrapperLock")
        #expect(a.description == "DeclaredWrapperLock#\(a.id) (CreationSiteTests.swift:\(firstLine))")
    }

    @Test func withoutTheDeclarationEveryInstanceCarriesTheWrappersLineAsBefore() {
        let first = PlainWrapperLock(), second = PlainWrapperLock()
        let a = first.base.info.descriptor, b = second.base.info.descriptor
        #expect(a.file == "LockGraphTests/CreationSiteTests.swift")
        #expect(a.line == PlainWrapperLock.baseLine)
        #expect(a.classKey == b.classKey)
        #expect(a.wrapperType == nil)
        #expect(a.description == "TrackedMutex#\(a.id) (CreationSiteTests.swift:\(PlainWrapperLock.baseLine))")
    }

    @Test func aLockCreatedOutsideTheDeclaredWrapperKeepsItsInitializerCall() {
        let line: UInt = #line + 1
        let lock = TrackedMutex(creationSite: .caller(skipping: "DeclaredWrapperLock", "NoSuchType"))
        #expect(lock.info.file == "LockGraphTests/CreationSiteTests.swift")
        #expect(lock.info.line == line)
        #expect(lock.info.wrapperType == nil)
    }

    @Test func nestedWrappersResolveToTheOutermostWrappersCaller() {
        let line: UInt = #line + 1
        let wrapper = OuterWrapper()
        #expect(wrapper.inner.info.line == line)
        #expect(wrapper.inner.info.wrapperType == "OuterWrapper")
    }

    @Test func everyTrackedTypeTakesTheParameter() throws {
        let line: UInt = #line + 1
        let infos = try TrackedFactory.infos()
        for info in infos {
            #expect(info.file == "LockGraphTests/CreationSiteTests.swift", "\(info.type)")
            #expect(info.line == line, "\(info.type)")
            #expect(info.wrapperType == "TrackedFactory", "\(info.type)")
        }
        #expect(infos.count == 11)
    }

    /// What `LOCKGRAPH_WRAPPERS` does, on a stack kept by a wrapper that declares nothing: a
    /// module, type or qualified type name steps over the wrapper; another name does not.
    @Test func environmentStyleNamesResolveAStackCapturedInAnUndeclaredWrapper() {
        let line: UInt = #line + 1
        let wrapper = PlainWrapperLock()
        for name in ["PlainWrapperLock", "LockGraphTests.PlainWrapperLock"] {
            let site = CreationSiteResolver.resolve(wrapper.creationStack, wrappers: [name])
            #expect(site == ResolvedCreationSite(file: "LockGraphTests/CreationSiteTests.swift", line: line,
                                                 wrapperType: "PlainWrapperLock"), "\(name)")
        }
        for name in ["OtherModule.PlainWrapperLock", "Plain", "DeclaredWrapperLock", "LockGraphTests..PlainWrapperLock", ""] {
            #expect(CreationSiteResolver.resolve(wrapper.creationStack, wrappers: [name]) == nil, "\(name)")
        }
        // A module name steps over all of its code: the site, if any, is outside this module.
        let outside = CreationSiteResolver.resolve(wrapper.creationStack, wrappers: ["LockGraphTests"])
        #expect(outside.map { !$0.file.hasPrefix("LockGraphTests/") } ?? true, "\(String(describing: outside))")
    }

    @Test func theSameCodeResolvesToTheSameSiteEveryTime() {
        var sites: Set<String> = []
        for _ in 0..<100 {
            sites.insert(DeclaredWrapperLock().base.info.classKey)
        }
        #expect(sites.count == 1)
    }
}

/// Reading a function's context out of its demangled name.
@Suite("Demangled names")
struct DemangledNameTests {
    /// `Runtime` gives simplified names, without modules; a full name's module is kept.
    @Test(arguments: [
        ("NIOLock.init() -> NIOLock", ["NIOLock"], nil),
        ("closure #1 (Int) -> () in Box<A>.update(_:)", ["Box"], nil),
        ("generic specialization <Int, (Int) -> ()> of Box<A>.init(_:) -> Box<A>", ["Box"], nil),
        ("Box.value.getter : Int", ["Box"], nil),
        ("Box.read() -> Int", ["Box"], nil),
        ("total.getter : Int", [], nil),
        ("static Registry.make() -> Registry", ["Registry"], nil),
        ("variable initialization expression of Server.lock : TrackedMutex", ["Server"], nil),
        ("(extension in NIOPosix):EventLoop.makeLock() -> Int", ["EventLoop"], "NIOPosix"),
        ("Outer.Inner.init(name: String) -> Outer.Inner", ["Outer", "Inner"], nil),
        ("closure #1 @Sendable () -> () in makeLock()", [], nil),
        ("App.Server.init() -> App.Server", ["App", "Server"], nil),
        ("main", [], nil),
    ] as [(String, [String], String?)])
    func theContextIsTheEnclosingTypes(demangled: String, context: [String], extensionModule: String?) {
        let parsed = DemangledName.context(of: demangled)
        #expect(parsed.context == context)
        #expect(parsed.extensionModule == extensionModule)
    }

    @Test func theModuleOfAMangledSymbolIsItsFirstIdentifier() {
        #expect(DemangledName.module(ofMangled: "$s14LockGraphTests19DeclaredWrapperLockCACycfc") == "LockGraphTests")
        #expect(DemangledName.module(ofMangled: "_$s3App4MainV") == "App")
        #expect(DemangledName.module(ofMangled: "$sSS5countSivg") == nil)
        #expect(DemangledName.module(ofMangled: "$s99Short") == nil)
        #expect(DemangledName.module(ofMangled: "main") == nil)
    }
}
