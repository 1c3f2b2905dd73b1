#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BenchSupport
import Foundation
import LockGraph

// The whole-workload benchmark: threads move money between accounts, one lock per account, each
// transfer locking the two accounts lower id first. The program is correct, so LockGraph must
// report nothing, and the total balance must be unchanged at the end.
//
//     BankWorkload pthread|nslock|tracked [--threads N] [--transfers N] [--accounts N]
//
// Defaults: 8 threads, 100,000 transfers per thread, 1,000 accounts. The earlier 16-thread
// workload of BENCHMARKS.md section 7 is `--threads 16 --transfers 200000`.
// It prints one line of `key=value` fields for scripts (bank.sh, stress.sh, workload.sh) and
// exits non-zero if money was created or lost, or if a tracked run reported a violation.

/// The three locks compared. Each account owns one; the workload is generic over it so every
/// kind runs the same specialised loop and only the lock calls differ.
protocol AccountLock: AnyObject, Sendable {
    func lock()
    func unlock()
}

/// A raw `pthread_mutex_t` at a stable heap address, allocated once: a mutex must never move
/// after `pthread_mutex_init`, which `&storedProperty` does not guarantee.
final class PThreadLock: AccountLock, @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }
}

extension NSLock: AccountLock {}
extension TrackedMutex: AccountLock {}

enum LockKind: String, CaseIterable {
    case pthread, nslock, tracked
}

struct Options {
    let lock: LockKind
    let threads: Int
    let transfers: Int
    let accounts: Int

    /// Parses `arguments` (without the program name); nil after printing why on standard error.
    static func parse(_ arguments: ArraySlice<String>) -> Options? {
        let kinds = LockKind.allCases.map(\.rawValue).joined(separator: "|")
        let flags: [IntegerFlags.Flag] = [
            .init("threads", default: 8, "worker threads"),
            .init("transfers", default: 100_000, "transfers per thread"),
            .init("accounts", default: 1_000, "accounts, one lock each, at least 2"),
        ]
        guard let first = arguments.first, let kind = LockKind(rawValue: first) else {
            let usage = IntegerFlags.usage(program: "BankWorkload", prefix: "\(kinds) ", flags: flags)
            FileHandle.standardError.write(Data("BankWorkload: the first argument must be one of \(kinds)\n\(usage)".utf8))
            return nil
        }
        guard let values = IntegerFlags.parse(arguments.dropFirst(), program: "BankWorkload", prefix: "\(kinds) ", flags: flags) else {
            return nil
        }
        guard values["accounts"] >= 2 else {
            FileHandle.standardError.write(Data("BankWorkload: --accounts must be at least 2 (a transfer needs two)\n".utf8))
            return nil
        }
        return Options(lock: kind, threads: values["threads"], transfers: values["transfers"], accounts: values["accounts"])
    }
}

final class Account<Lock: AccountLock>: @unchecked Sendable {
    let lock: Lock
    // Guarded by `lock`.
    var balance: Int

    init(lock: Lock, balance: Int) {
        self.lock = lock
        self.balance = balance
    }
}

let initialBalance = 1_000

/// Runs the transfers on `options.threads` threads and returns the wall time from the first
/// thread's start to the last one's end, and the total balance afterwards.
func run<Lock: AccountLock>(_ options: Options, makeLock: () -> Lock) -> (seconds: Double, total: Int) {
    let accounts = (0..<options.accounts).map { _ in Account(lock: makeLock(), balance: initialBalance) }
    let transfers = options.transfers
    let count = UInt64(accounts.count)
    let group = DispatchGroup()
    let start = DispatchTime.now()
    for worker in 0..<options.threads {
        group.enter()
        Thread {
            // xorshift64: cheap next to a lock pair, deterministic per worker, no shared state.
            var seed = UInt64(worker + 1) &* 0x9E37_79B9_7F4A_7C15
            for _ in 0..<transfers {
                seed ^= seed << 13
                seed ^= seed >> 7
                seed ^= seed << 17
                // Two distinct accounts: `to` is `from` plus 1 ..< count, wrapped around.
                let from = Int(seed % count)
                let to = Int((UInt64(from) + 1 + (seed >> 24) % (count - 1)) % count)
                let (first, second) = from < to ? (accounts[from], accounts[to]) : (accounts[to], accounts[from])
                first.lock.lock()
                second.lock.lock()
                let amount = Int((seed >> 48) % 10)
                accounts[from].balance -= amount
                accounts[to].balance += amount
                second.lock.unlock()
                first.lock.unlock()
            }
            group.leave()
        }.start()
    }
    group.wait()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    return (seconds, accounts.reduce(0) { $0 + $1.balance })
}

guard let options = Options.parse(CommandLine.arguments.dropFirst()) else { exit(2) }

let result: (seconds: Double, total: Int)
switch options.lock {
case .pthread: result = run(options) { PThreadLock() }
case .nslock: result = run(options) { NSLock() }
case .tracked: result = run(options) { TrackedMutex(name: "account") }
}
// Only a tracked run touches LockMonitor: the baselines stay free of LockGraph entirely.
let reports = options.lock == .tracked ? LockMonitor.violations.count : 0

print(
    "lock=\(options.lock.rawValue) threads=\(options.threads) transfers=\(options.transfers) accounts=\(options.accounts)",
    String(format: "seconds=%.3f peak_rss_mb=%.1f", result.seconds, ProcessMemory.mebibytes(ProcessMemory.peakResidentBytes())),
    "reports=\(reports)"
)

var failed = false
if result.total != options.accounts * initialBalance {
    FileHandle.standardError.write(Data("BankWorkload: money was created or lost: total \(result.total), expected \(options.accounts * initialBalance)\n".utf8))
    failed = true
}
if reports > 0 {
    FileHandle.standardError.write(Data("BankWorkload: LockGraph reported \(reports) violation(s) in a correct program\n".utf8))
    failed = true
}
exit(failed ? 1 : 0)
