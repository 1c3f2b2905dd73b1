// A program that knows nothing of LockGraph and takes its locks with glibc's clock-selecting calls
// (2.30+): pthread_rwlock_clockrdlock, pthread_rwlock_clockwrlock, pthread_mutex_clocklock.
// Swift's Glibc module does not declare them (they need _GNU_SOURCE), so they are looked up by
// name; under LD_PRELOAD that finds the interposer's definitions first, as for a C caller.
//
// Usage: preload-clock-fixture SCENARIO
//   rwlock-abba  a rwlock taken for writing with clockwrlock, then an NSLock; the other thread
//                takes the NSLock, then reads the rwlock: one inversion
//   mutex-abba   the same with a pthread_mutex_t taken with clocklock
//   clean        the three calls in one order on 4 threads, and a clock wait that times out
//                (it holds nothing afterwards): nothing to report
#if canImport(Glibc)
import Glibc
#endif
import Foundation

typealias RWLockClockLock = @convention(c) (UnsafeMutablePointer<pthread_rwlock_t>, clockid_t, UnsafePointer<timespec>) -> Int32
typealias MutexClockLock = @convention(c) (UnsafeMutablePointer<pthread_mutex_t>, clockid_t, UnsafePointer<timespec>) -> Int32

/// `name` from the C library (RTLD_DEFAULT, which is nil on glibc), or exit 3 when it has none.
func resolve<Function>(_ name: String, as type: Function.Type) -> Function {
    guard let symbol = dlsym(nil, name) else {
        FileHandle.standardError.write(Data("preload-clock-fixture: the C library has no \(name)\n".utf8))
        exit(3)
    }
    return unsafeBitCast(symbol, to: type)
}

/// The three calls, each on CLOCK_MONOTONIC with a deadline `milliseconds` from now.
struct ClockLocks: @unchecked Sendable {
    let clockRead = resolve("pthread_rwlock_clockrdlock", as: RWLockClockLock.self)
    let clockWrite = resolve("pthread_rwlock_clockwrlock", as: RWLockClockLock.self)
    let clockLock = resolve("pthread_mutex_clocklock", as: MutexClockLock.self)

    private static func deadline(after milliseconds: Int) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let total = Int(now.tv_nsec) + milliseconds * 1_000_000
        return timespec(tv_sec: now.tv_sec + total / 1_000_000_000, tv_nsec: total % 1_000_000_000)
    }

    func read(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>, within milliseconds: Int = 10_000) -> Int32 {
        var until = Self.deadline(after: milliseconds)
        return clockRead(rwlock, CLOCK_MONOTONIC, &until)
    }

    func write(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>, within milliseconds: Int = 10_000) -> Int32 {
        var until = Self.deadline(after: milliseconds)
        return clockWrite(rwlock, CLOCK_MONOTONIC, &until)
    }

    func lock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, within milliseconds: Int = 10_000) -> Int32 {
        var until = Self.deadline(after: milliseconds)
        return clockLock(mutex, CLOCK_MONOTONIC, &until)
    }
}

let clock = ClockLocks()

/// Runs each body on a thread of its own, one after the other: both orders are seen without the
/// program deadlocking.
func inTurn(_ bodies: (@Sendable () -> Void)...) {
    for body in bodies {
        let finished = DispatchSemaphore(value: 0)
        Thread { body(); finished.signal() }.start()
        finished.wait()
    }
}

func newRWLock() -> UnsafeMutablePointer<pthread_rwlock_t> {
    let rwlock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    pthread_rwlock_init(rwlock, nil)
    return rwlock
}

func newMutex() -> UnsafeMutablePointer<pthread_mutex_t> {
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    return mutex
}

/// A pthread lock and an NSLock in both orders: `viaClock` takes the pthread lock with a clock
/// call (a timed acquisition: only its hold counts), then the NSLock; `blocking` takes the
/// NSLock, then the pthread lock with an ordinary blocking call.
final class Crossing: @unchecked Sendable {
    let audit = NSLock()
    private let clockLock: @Sendable () -> Int32
    private let blockingLock: @Sendable () -> Void
    private let unlock: @Sendable () -> Void

    init(clockLock: @escaping @Sendable () -> Int32, blockingLock: @escaping @Sendable () -> Void, unlock: @escaping @Sendable () -> Void) {
        self.clockLock = clockLock
        self.blockingLock = blockingLock
        self.unlock = unlock
    }

    func viaClock() {
        guard clockLock() == 0 else { return }
        audit.lock()
        audit.unlock()
        unlock()
    }

    func blocking() {
        audit.lock()
        blockingLock()
        unlock()
        audit.unlock()
    }

    func run() {
        inTurn({ self.viaClock() }, { self.blocking() })
    }
}

/// `rwlock-abba`: a rwlock written with clockwrlock, then read with rdlock; `mutex-abba`: a
/// mutex taken with clocklock, then with lock.
func crossing(_ scenario: String) -> Crossing {
    if scenario == "rwlock-abba" {
        nonisolated(unsafe) let index = newRWLock()
        return Crossing(clockLock: { clock.write(index) }, blockingLock: { pthread_rwlock_rdlock(index) },
                        unlock: { pthread_rwlock_unlock(index) })
    }
    nonisolated(unsafe) let entries = newMutex()
    return Crossing(clockLock: { clock.lock(entries) }, blockingLock: { pthread_mutex_lock(entries) },
                    unlock: { pthread_mutex_unlock(entries) })
}

/// One global order (catalog, then journal, then stats), every lock taken with a clock call
/// but the blocking mutex lock; a reader whose wait times out takes `late` afterwards, and
/// `late` is later taken before the catalog: had the timed-out wait left a hold, that would
/// look like an inversion.
func clean() {
    let catalog = newRWLock()
    let journal = newMutex()
    let stats = NSLock()
    let late = NSLock()
    nonisolated(unsafe) let shared = (catalog, journal)
    let group = DispatchGroup()
    for worker in 0..<4 {
        group.enter()
        Thread {
            for round in 0..<500 {
                let writing = (worker + round) % 4 == 0
                guard (writing ? clock.write(shared.0) : clock.read(shared.0)) == 0 else { continue }
                if round % 2 == 0 {
                    if clock.lock(shared.1) == 0 { stats.lock(); stats.unlock(); pthread_mutex_unlock(shared.1) }
                } else {
                    pthread_mutex_lock(shared.1); stats.lock(); stats.unlock(); pthread_mutex_unlock(shared.1)
                }
                pthread_rwlock_unlock(shared.0)
            }
            group.leave()
        }.start()
    }
    group.wait()
    pthread_rwlock_wrlock(catalog)
    inTurn {
        let result = clock.read(shared.0, within: 20)
        print("late reader: \(result == ETIMEDOUT ? "timed out" : "result \(result)")")
        if result == 0 { pthread_rwlock_unlock(shared.0) }
        late.lock()
        late.unlock()
    }
    pthread_rwlock_unlock(catalog)
    inTurn {
        late.lock()
        pthread_rwlock_wrlock(shared.0)
        pthread_rwlock_unlock(shared.0)
        late.unlock()
    }
    print("clean done")
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "rwlock-abba", "mutex-abba":
    crossing(arguments[arguments.startIndex]).run()
    print("\(arguments[arguments.startIndex]) done")
case "clean":
    clean()
default:
    FileHandle.standardError.write(Data("usage: preload-clock-fixture rwlock-abba|mutex-abba|clean\n".utf8))
    exit(64)
}
