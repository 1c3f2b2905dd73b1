// A program that knows nothing of LockGraph (it does not import it): plain Foundation locks and
// raw pthread mutexes. The tests run it under `lockgraph run`, which interposes on the pthread
// lock API; run plainly, it shows what the program does without LockGraph.
//
// Usage: preload-fixture SCENARIO (and the later scenarios documented at their functions)
//   nslock-abba      two NSLocks taken in both orders (one thread after the other: no hang)
//   pthread-abba     the same with raw pthread_mutex_t
//   recursive-cycle  three NSRecursiveLocks in a cycle, each taken twice
//   nslock-relock    an NSLock locked again by its holder (hangs without LockGraph)
//   clean-many       8 threads, 1,000 NSLocks, one global order: nothing to report
//   bench [N] [threaded]  ns per lock+unlock of an NSLock and a pthread_mutex_t (threaded: after a thread ran)
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs `body` on a new thread and waits for it to finish.
func onThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let wrapped = Thread {
        body()
        done.signal()
    }
    wrapped.name = name
    wrapped.start()
    done.wait()
}

final class Accounts: @unchecked Sendable {
    let ledger = NSLock()
    let audit = NSLock()

    func transfer() {
        ledger.lock()
        audit.lock()
        audit.unlock()
        ledger.unlock()
    }

    func runAudit() {
        audit.lock()
        ledger.lock()
        ledger.unlock()
        audit.unlock()
    }
}

func nslockABBA() {
    let accounts = Accounts()
    onThread("transfer") { accounts.transfer() }
    onThread("auditor") { accounts.runAudit() }
}

final class RawMutexes: @unchecked Sendable {
    let first = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let second = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(first, nil)
        pthread_mutex_init(second, nil)
    }

    func forward() {
        pthread_mutex_lock(first)
        pthread_mutex_lock(second)
        pthread_mutex_unlock(second)
        pthread_mutex_unlock(first)
    }

    func backward() {
        pthread_mutex_lock(second)
        pthread_mutex_lock(first)
        pthread_mutex_unlock(first)
        pthread_mutex_unlock(second)
    }
}

func pthreadABBA() {
    let mutexes = RawMutexes()
    onThread("forward") { mutexes.forward() }
    onThread("backward") { mutexes.backward() }
}

final class Pipeline: @unchecked Sendable {
    let orders = NSRecursiveLock()
    let stock = NSRecursiveLock()
    let shipping = NSRecursiveLock()

    /// Takes `outer` twice, then `inner` twice (recursion is not an order).
    func nest(_ outer: NSRecursiveLock, _ inner: NSRecursiveLock) {
        outer.lock(); outer.lock()
        inner.lock(); inner.lock()
        inner.unlock(); inner.unlock()
        outer.unlock(); outer.unlock()
    }
}

func recursiveCycle() {
    let pipeline = Pipeline()
    onThread("reserve") { pipeline.nest(pipeline.orders, pipeline.stock) }
    onThread("ship") { pipeline.nest(pipeline.stock, pipeline.shipping) }
    onThread("close") { pipeline.nest(pipeline.shipping, pipeline.orders) }
}

func nslockRelock() {
    let cache = NSLock()
    for _ in 0..<40 { cache.lock(); cache.unlock() }  // past its stack budget: the steady state
    cache.lock(); print("locking again")
    cache.lock()
    print("unreachable")
}

/// 8 threads over 1,000 locks, each nesting neighbours in ascending index order (one global
/// order: nothing to report), starting at different places so they contend.
func cleanMany() {
    let locks = (0..<1_000).map { _ in NSLock() }
    let group = DispatchGroup()
    for worker in 0..<8 {
        group.enter()
        Thread {
            for round in 0..<4 {
                for step in 0..<(locks.count - 2) {
                    let first = (worker * 125 + round * 7 + step) % (locks.count - 2)
                    locks[first].lock()
                    locks[first + 1].lock()
                    locks[first + 2].lock()
                    locks[first + 2].unlock()
                    locks[first + 1].unlock()
                    locks[first].unlock()
                }
            }
            group.leave()
        }.start()
    }
    group.wait()
    print("clean-many done")
}

/// Each address holds two mutexes in turn: the first taken inside `outer`, the second (after a
/// destroy, or after being abandoned without one) around it. Both on one thread, so the
/// second acquisition follows the first through the same per-thread state.
func addressReuse() {
    let outer = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(outer, nil)
    for destroys in [true, false] {
        let slot = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(slot, nil)
        pthread_mutex_lock(outer); pthread_mutex_lock(slot)
        pthread_mutex_unlock(slot); pthread_mutex_unlock(outer)
        if destroys { pthread_mutex_destroy(slot) }
        pthread_mutex_init(slot, nil)
        pthread_mutex_lock(slot); pthread_mutex_lock(outer)
        pthread_mutex_unlock(outer); pthread_mutex_unlock(slot)
    }
    print("address-reuse done")
}

final class Mailbox: @unchecked Sendable {
    let condition = NSCondition()
    let stats = NSLock()
    var messages = 0

    /// Signals one message holding `stats` (the order stats -> condition's lock).
    func post() {
        stats.lock()
        condition.lock()
        messages += 1
        condition.signal()
        condition.unlock()
        stats.unlock()
    }
}

/// The consumer sleeps in `wait()` with the condition's lock released (pthread releases it):
/// a dump taken meanwhile shows it waiting on the condition and holding nothing.
func conditionWait() {
    let box = Mailbox()
    let done = DispatchSemaphore(value: 0)
    let consumer = Thread {
        box.condition.lock()
        while box.messages == 0 { box.condition.wait() }
        box.messages -= 1
        box.condition.unlock()
        done.signal()
    }
    consumer.name = "consumer"
    consumer.start()
    usleep(300_000)
    if ProcessInfo.processInfo.environment["LOCKGRAPH_DUMP_SIGNAL"] == "USR1" {
        kill(getpid(), SIGUSR1)
        usleep(500_000)
    }
    box.post()
    done.wait()
    print("condition-wait done")
}

/// The producer's signal under `stats` is the evidence; the consumer then waits holding
/// `stats`, which that signal needs (reported before it blocks; it times out after 0.3 s).
func conditionWaitHolding() {
    let box = Mailbox()
    onThread("producer") { box.post() }
    box.messages = 0
    onThread("consumer") {
        box.stats.lock()
        box.condition.lock()
        _ = box.condition.wait(until: Date(timeIntervalSinceNow: 0.3))
        box.condition.unlock()
        box.stats.unlock()
    }
    print("condition-wait-holding done")
}

final class Tables: @unchecked Sendable {
    let names = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    let cache = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    let index = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    let data = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() {
        pthread_rwlock_init(names, nil)
        pthread_rwlock_init(cache, nil)
        pthread_rwlock_init(index, nil)
        pthread_rwlock_init(data, nil)
    }

    /// `first` then `second`, each for writing or reading.
    func nest(_ first: UnsafeMutablePointer<pthread_rwlock_t>, writing writesFirst: Bool,
              _ second: UnsafeMutablePointer<pthread_rwlock_t>, writing writesSecond: Bool) {
        _ = writesFirst ? pthread_rwlock_wrlock(first) : pthread_rwlock_rdlock(first)
        _ = writesSecond ? pthread_rwlock_wrlock(second) : pthread_rwlock_rdlock(second)
        pthread_rwlock_unlock(second)
        pthread_rwlock_unlock(first)
    }
}

/// Raw pthread rwlocks: `names` and `cache` read in both orders (readers never wait for
/// readers: no report; one read taken twice), `index` and `data` in both orders with a
/// writer holding each: one inversion.
func rwlockCycle() {
    let tables = Tables()
    onThread("reader-1") {
        pthread_rwlock_rdlock(tables.names)
        tables.nest(tables.cache, writing: false, tables.names, writing: false)
        pthread_rwlock_unlock(tables.names)
    }
    onThread("reader-2") { tables.nest(tables.names, writing: false, tables.cache, writing: false) }
    onThread("writer") { tables.nest(tables.index, writing: true, tables.data, writing: false) }
    onThread("updater") { tables.nest(tables.data, writing: true, tables.index, writing: false) }
    print("rwlock-cycle done")
}

/// Two new NSLocks, nested in one order; both freed (and their mutexes destroyed) on return.
@inline(never)
func nestNewPair(reversed: Bool) {
    let first = NSLock(), second = NSLock()
    let (outer, inner) = reversed ? (second, first) : (first, second)
    outer.lock(); inner.lock(); inner.unlock(); outer.unlock()
}

/// 4 threads, each 5,000 times: two new NSLocks nested one way, freed, then two more (malloc
/// hands back the same addresses) nested the other way. Every pair is new: nothing to report,
/// whatever the per-thread caches and the address table saw at those addresses before.
func reuseChurn() {
    let group = DispatchGroup()
    for _ in 0..<4 {
        group.enter()
        Thread {
            for _ in 0..<5_000 {
                nestNewPair(reversed: false)
                nestNewPair(reversed: true)
            }
            group.leave()
        }.start()
    }
    group.wait()
    print("reuse-churn done")
}

func nanoseconds(_ iterations: Int, _ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations)
}

func bench(_ iterations: Int) {
    let lock = NSLock()
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    for round in 0..<3 {
        let nslock = nanoseconds(iterations) { for _ in 0..<iterations { lock.lock(); lock.unlock() } }
        let raw = nanoseconds(iterations) { for _ in 0..<iterations { pthread_mutex_lock(mutex); pthread_mutex_unlock(mutex) } }
        print(String(format: "round %d: NSLock lock+unlock %.1f ns, pthread_mutex lock+unlock %.1f ns", round, nslock, raw))
    }
}

/// `clock-wait-holding`: conditionWaitHolding with raw pthread objects and
/// `pthread_cond_clockwait` (glibc 2.30+, what C++'s condition_variable calls), looked up by
/// name: Swift's Glibc module does not declare it.
func clockWaitHolding() {
    typealias ClockWait = @convention(c) (UnsafeMutablePointer<pthread_cond_t>, UnsafeMutablePointer<pthread_mutex_t>,
                                          clockid_t, UnsafePointer<timespec>) -> Int32
    guard let symbol = dlsym(nil, "pthread_cond_clockwait") else {
        print("clock-wait-holding: no pthread_cond_clockwait")
        return
    }
    let clockWait = unsafeBitCast(symbol, to: ClockWait.self)
    let stats = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    pthread_mutex_init(stats, nil)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(condition, nil)
    nonisolated(unsafe) let shared = (stats, mutex, condition)
    onThread("producer") {
        pthread_mutex_lock(shared.0); pthread_mutex_lock(shared.1)
        pthread_cond_signal(shared.2)
        pthread_mutex_unlock(shared.1); pthread_mutex_unlock(shared.0)
    }
    onThread("consumer") {
        pthread_mutex_lock(shared.0); pthread_mutex_lock(shared.1)
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        deadline.tv_nsec += 300_000_000
        if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
        _ = clockWait(shared.2, shared.1, CLOCK_MONOTONIC, &deadline)
        pthread_mutex_unlock(shared.1); pthread_mutex_unlock(shared.0)
    }
    print("clock-wait-holding done")
}

/// `peer [N]`: the nslock-abba inversion, then N uncontended NSLock lock+unlock pairs: the one
/// program timed under `lockgraph run`, helgrind and gcc's ThreadSanitizer (BENCHMARKS.md).
func peer(_ iterations: Int) {
    nslockABBA()
    let lock = NSLock()
    let perPair = nanoseconds(iterations) { for _ in 0..<iterations { lock.lock(); lock.unlock() } }
    print(String(format: "peer: %d NSLock lock+unlock pairs, %.1f ns each", iterations, perPair))
}

/// A lock wrapper of the program's own, like NIO's `NIOLock`: its pthread mutex is created inside
/// `SessionLock.init`, so without `LOCKGRAPH_WRAPPERS=SessionLock` every instance is named by the
/// wrapper's line, with it by the line that created the wrapper.
final class SessionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}

/// `wrapper-abba`: two SessionLocks taken in both orders.
func wrapperABBA() {
    let sessions = SessionLock()
    let tokens = SessionLock()
    onThread("login") { sessions.lock(); tokens.lock(); tokens.unlock(); sessions.unlock() }
    onThread("logout") { tokens.lock(); sessions.lock(); sessions.unlock(); tokens.unlock() }
    print("wrapper-abba done")
}

/// `rwlock-reuse`: addressReuse with rwlocks (their per-thread cache must not keep a destroyed or
/// replaced lock's identity either).
func rwlockReuse() {
    let outer = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    pthread_rwlock_init(outer, nil)
    for destroys in [true, false] {
        let slot = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        pthread_rwlock_init(slot, nil)
        pthread_rwlock_wrlock(outer); pthread_rwlock_wrlock(slot); pthread_rwlock_unlock(slot); pthread_rwlock_unlock(outer)
        if destroys { pthread_rwlock_destroy(slot) }
        pthread_rwlock_init(slot, nil)
        pthread_rwlock_wrlock(slot); pthread_rwlock_wrlock(outer); pthread_rwlock_unlock(outer); pthread_rwlock_unlock(slot)
    }
    print("rwlock-reuse done")
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "nslock-abba": nslockABBA()
case "pthread-abba": pthreadABBA()
case "recursive-cycle": recursiveCycle()
case "nslock-relock": nslockRelock()
case "clean-many": cleanMany()
case "address-reuse": addressReuse()
case "rwlock-reuse": rwlockReuse()
case "condition-wait": conditionWait()
case "condition-wait-holding": conditionWaitHolding()
case "rwlock-cycle": rwlockCycle()
case "reuse-churn": reuseChurn()
case "bench":
    // `threaded`: a thread runs first. Until a process's second thread starts, glibc's mutex lock
    // and unlock skip the bus lock (`__libc_single_threaded`); every program that needs a
    // lock-order checker has more than one thread.
    if arguments.dropFirst(2).first == "threaded" { onThread("warm-up") {} }
    bench(arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000)
case "clock-wait-holding": clockWaitHolding()
case "wrapper-abba": wrapperABBA()
case "peer": peer(arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000)
default:
    FileHandle.standardError.write(Data("usage: preload-fixture nslock-abba|pthread-abba|recursive-cycle|nslock-relock|clean-many|address-reuse|rwlock-reuse|condition-wait|condition-wait-holding|rwlock-cycle|reuse-churn|clock-wait-holding|wrapper-abba|bench [N] [threaded]|peer [N]\n".utf8))
    exit(64)
}
