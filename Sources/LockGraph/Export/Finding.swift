/// One problem as the CI formats carry it: a cycle `lockgraph check` found in recorded graphs,
/// or a violation a running process recorded (see ``LockMonitor/exportFindings(format:)``).
///
/// A finding names its rule (one per kind of problem), the source line to annotate, the other
/// source lines involved, and the full text report; ``Report`` writes a list of them as text,
/// JSON, SARIF 2.1.0 or JUnit XML.
public struct LockGraphFinding: Sendable, Equatable {
    /// A kind of problem: what SARIF lists in `tool.driver.rules` and names in `ruleId`.
    public struct Rule: Sendable, Hashable {
        /// `lockgraph/` and a kebab-case name, stable across versions: `lockgraph/lock-order-inversion`.
        public let id: String
        /// The rule's name in UpperCamelCase: `LockOrderInversion`.
        public let name: String
        /// One sentence.
        public let shortDescription: String
        /// What the problem is and why it matters.
        public let fullDescription: String

        /// A rule with these texts; LockGraph's own are the static members (``lockOrderInversion``...).
        public init(id: String, name: String, shortDescription: String, fullDescription: String) {
            self.id = id
            self.name = name
            self.shortDescription = shortDescription
            self.fullDescription = fullDescription
        }
    }

    /// A source line a finding points at.
    public struct Location: Sendable, Equatable {
        /// The file as recorded: an absolute path from debug information, usually.
        public let file: String
        /// `file` relative to ``root``, when it lies under a package root (see
        /// `LOCKGRAPH_SOURCE_ROOT`); SARIF writes only locations that have it.
        public let relativeFile: String?
        /// The package root `relativeFile` is relative to.
        public let root: String?
        /// From 1.
        public let line: Int
        /// What happened here: `"audit" acquired while holding "accounts"`.
        public let message: String

        /// A location; `line` counts from 1.
        public init(file: String, relativeFile: String?, root: String?, line: Int, message: String) {
            self.file = file
            self.relativeFile = relativeFile
            self.root = root
            self.line = line
            self.message = message
        }
    }

    /// The kind of problem.
    public let rule: Rule
    /// One line: `Cycle 1: "accounts" -> "audit" -> "accounts"`.
    public let title: String
    /// The full text report of this finding, as the text format prints it.
    public let text: String
    /// The line to annotate: for a cycle, the acquisition that closed it. Nil when no frame of
    /// it has a file and line (a stack not captured, or code without debug information).
    public let location: Location?
    /// Every other line involved: for a cycle, each edge's two acquisition sites (where the held
    /// lock was taken, and where the next was taken while holding it).
    public let relatedLocations: [Location]
    /// The lock class keys involved, in cycle order for a cycle.
    public let locks: [String]
    /// Stable across runs of the same code: derived from the rule and the lock classes only
    /// (not from process ids, addresses, dates or paths), so CI can match a finding with the
    /// one a previous run reported (SARIF `partialFingerprints`).
    public let fingerprint: String

    /// A finding with these parts; ``fingerprint(rule:locks:)`` makes the usual fingerprint.
    public init(rule: Rule, title: String, text: String, location: Location?, relatedLocations: [Location],
                locks: [String], fingerprint: String) {
        self.rule = rule
        self.title = title
        self.text = text
        self.location = location
        self.relatedLocations = relatedLocations
        self.locks = locks
        self.fingerprint = fingerprint
    }

    /// The fingerprint of a finding of `rule` over `locks`: 16 hexadecimal digits of a 64-bit
    /// FNV-1a hash of the rule id and the sorted lock classes (a cycle found starting at another
    /// lock is the same finding).
    public static func fingerprint(rule: Rule, locks: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ([rule.id] + locks.sorted()).joined(separator: "\u{0}").utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension LockGraphFinding.Rule {
    /// Two or more locks (classes, in records) taken in opposite orders by different code paths.
    public static let lockOrderInversion = Self(
        id: "lockgraph/lock-order-inversion", name: "LockOrderInversion",
        shortDescription: "Locks taken in opposite orders: a potential deadlock.",
        fullDescription: "Two or more locks are acquired in opposite orders by different code paths. Threads running those paths at the same time can deadlock, even if this run did not hang. Acquire the locks in one global order everywhere, or release one before taking the next.")
    /// A cycle between lock classes closed by different instances (class checking,
    /// `LOCKGRAPH_CLASSES`): another run can pair the instances and deadlock.
    public static let classInversion = Self(
        id: "lockgraph/class-inversion", name: "ClassInversion",
        shortDescription: "Lock classes taken in opposite orders by different instances.",
        fullDescription: "Locks of the same classes (same name or creation site) are acquired in opposite orders, by different instances in this run. A run that pairs the instances differently can deadlock. Acquire the classes in one global order.")
    /// A wait on a condition's signal while holding a lock the signaller was seen to need.
    public static let waitSignalCycle = Self(
        id: "lockgraph/wait-signal-cycle", name: "WaitSignalCycle",
        shortDescription: "A wait holds a lock that its own signaller needs.",
        fullDescription: "A thread waits on a condition while holding a lock, and the code that signals the condition was seen to take that lock (directly or through the lock order). The waiter can keep its own signal from ever coming: a deadlock. Release the lock before waiting, or signal without holding it.")

    /// The rules `lockgraph check` can report, in the order SARIF lists them.
    public static let cycleRules: [Self] = [.lockOrderInversion, .classInversion, .waitSignalCycle]

    /// The rule of a violation of `kind` that is not a cycle: `lockgraph/` and the kind in
    /// kebab case (`lockgraph/reentrant-acquire`), described by its summary's first sentence.
    static func violation(_ kind: LockViolation.Kind) -> Self {
        let words = kind.rawValue.split(separator: " ")
        return Self(
            id: "lockgraph/" + words.joined(separator: "-"),
            name: words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(),
            shortDescription: "LockGraph \(kind.rawValue).",
            fullDescription: "LockGraph reported a \(kind.rawValue); the result's message is the full report, with the locks, threads, stacks and the fix.")
    }
}
