import Testing
@testable import LockGraph

/// `ModuleLayout` on symbol tables shaped like real images, and LockGraph's layout in this test
/// binary.
@Suite("Module layout")
struct ModuleLayoutTests {
    typealias Function = ModuleLayout.Function

    /// Functions of one owner laid end to end from `start`, each 0x10 long.
    static func run(_ owner: ELFSymbols.Owner, count: Int, from start: UInt) -> [Function] {
        (0..<count).map { Function(range: (start + UInt($0) * 0x10)..<(start + UInt($0) * 0x10 + 0x10), owner: owner) }
    }

    /// A release executable's shape (see the type's doc comment): the program's `main.swift`
    /// functions right below LockGraph's, a few foreign specializations inside LockGraph's run,
    /// a big foreign module above it. The program's functions must stay outside.
    @Test func aReleaseExecutablesMainCodeStaysOutside() throws {
        let program = Self.run(.other, count: 5, from: 0x1000)
        let programSpecializations = Self.run(.neutral, count: 16, from: 0x1050)
        let lockGraphLow = Self.run(.module, count: 40, from: 0x1150)
        let foreignInside = Self.run(.other, count: 9, from: 0x13d0)
        let lockGraphHigh = Self.run(.module, count: 40, from: 0x1460)
        let nextModule = Self.run(.other, count: 200, from: 0x16e0)
        // Shuffled: the layout sorts by address.
        let functions = (nextModule + lockGraphHigh + program + foreignInside + programSpecializations + lockGraphLow).shuffled()
        let layout = try #require(ModuleLayout(functions: functions, around: 0x1465))
        #expect(layout.hull == 0x1150..<0x16e0)
        #expect(layout.holes == [0x13d0..<0x1460])
        #expect(!layout.contains(0x1008), "the program's own function")
        #expect(!layout.contains(0x1055), "a specialization below LockGraph's first function")
        #expect(layout.contains(0x1150) && layout.contains(0x13cf) && layout.contains(0x16df))
        #expect(!layout.contains(0x13d0) && !layout.contains(0x145f), "a foreign function inside the hull")
        #expect(!layout.contains(0x16e0))
    }

    /// A small object of the program's between two of LockGraph's (at most `longestForeignRun`
    /// functions) is inside the hull, and every one of its functions is a hole.
    @Test func aSmallForeignObjectInsideTheRunIsAllHoles() throws {
        let below = Self.run(.module, count: 10, from: 0x1000)
        let small = Self.run(.other, count: ModuleLayout.longestForeignRun, from: 0x10a0)
        let above = Self.run(.module, count: 10, from: 0x10a0 + UInt(ModuleLayout.longestForeignRun) * 0x10)
        let layout = try #require(ModuleLayout(functions: below + small + above, around: 0x1005))
        #expect(layout.hull.lowerBound == 0x1000 && layout.hull.upperBound == above.last?.range.upperBound)
        #expect(layout.holes == [small[0].range.lowerBound..<small[small.count - 1].range.upperBound])
        for function in small { #expect(!layout.contains(function.range.lowerBound)) }
        #expect(layout.contains(0x1005) && layout.contains(above[0].range.lowerBound))
    }

    /// One foreign function more than `longestForeignRun` in a row ends the run: LockGraph's
    /// copies beyond it (another module's specializations of its generics) stay outside.
    @Test func aLongForeignRunEndsTheHull() throws {
        let own = Self.run(.module, count: 10, from: 0x1000)
        let foreign = Self.run(.other, count: ModuleLayout.longestForeignRun + 1, from: 0x10a0)
        let copies = Self.run(.module, count: 3, from: 0x10a0 + UInt(ModuleLayout.longestForeignRun + 1) * 0x10)
        let layout = try #require(ModuleLayout(functions: own + foreign + copies, around: 0x1095))
        #expect(layout.hull == 0x1000..<0x10a0)
        #expect(layout.holes.isEmpty)
        #expect(!layout.contains(copies[0].range.lowerBound))
    }

    /// Aliases (two names, one range) merge into one hole; neutral functions are no holes.
    @Test func overlappingForeignFunctionsMergeAndNeutralOnesAreInside() throws {
        let functions = [
            Function(range: 0x1000..<0x1010, owner: .module),
            Function(range: 0x1010..<0x1020, owner: .other),
            Function(range: 0x1010..<0x1020, owner: .other),
            Function(range: 0x1018..<0x1030, owner: .other),
            Function(range: 0x1030..<0x1040, owner: .neutral),
            Function(range: 0x1040..<0x1050, owner: .module),
        ]
        let layout = try #require(ModuleLayout(functions: functions, around: 0x1000))
        #expect(layout.holes == [0x1010..<0x1030])
        #expect(layout.contains(0x1035))
        #expect(layout.offset(by: 0x10_0000).hull == 0x10_1000..<0x10_1050)
        #expect(layout.offset(by: 0x10_0000).holes == [0x10_1010..<0x10_1030])
    }

    @Test func noLayoutWithoutAModuleFunctionAtTheAddress() {
        let functions = Self.run(.other, count: 3, from: 0x1000) + Self.run(.module, count: 3, from: 0x2000)
        #expect(ModuleLayout(functions: functions, around: 0x1005) == nil)
        #expect(ModuleLayout(functions: functions, around: 0x3000) == nil)
        #expect(ModuleLayout(functions: [], around: 0x1000) == nil)
    }

    /// In this test binary: LockGraph's code is internal, the tests' own code is not, whatever
    /// the build configuration lays out (debug: an object per file; release: hidden symbols).
    @Test func thisBinarysTestCodeIsNotLockGraphs() throws {
        InternalCode.locate()
        try #require(InternalCode.range != nil, "no layout found in this binary")
        #expect(InternalCode.contains(InternalCode.probeAddress))
        let testCode: @convention(c) () -> Void = {}
        let testAddress = UInt(bitPattern: unsafeBitCast(testCode, to: UnsafeRawPointer.self))
        #expect(!InternalCode.contains(testAddress))
    }
}
