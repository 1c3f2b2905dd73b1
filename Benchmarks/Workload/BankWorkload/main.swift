import Foundation
import LockGraph

// The whole-workload benchmark: 16 threads move money between 1,000 accounts, each transfer
// locking the two accounts in one consistent order (lower id first), so it is correct and
// LockGraph reports nothing. Run as `BankWorkload plain|tracked [transfers per thread]`; the
// script Benchmarks/workload.sh runs it plain, tracked and plain under ThreadSanitizer.

protocol AccountLock: AnyObject, Sendable {
    init()
    func lock()
    func unlock()
}

final class PlainLock: AccountLock, @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}

final class TrackedLock: AccountLock, @unchecked Sendable {
    private let mutex = TrackedMutex(name: "account")
    init() {}
    func lock() { mutex.lock() }
    func unlock() { mutex.unlock() }
}

final class Account<Lock: AccountLock>: @unchecked Sendable {
    let id: Int
    let lock = Lock()
    var balance = 1_000
    init(id: Int) { self.id = id }
}

func run<Lock: AccountLock>(_: Lock.Type, threads: Int, accounts count: Int, transfers: Int) -> (seconds: Double, total: Int) {
    let accounts = (0..<count).map { Account<Lock>(id: $0) }
    let start = DispatchTime.now()
    let group = DispatchGroup()
    for worker in 0..<threads {
        group.enter()
        Thread {
            var seed = UInt64(worker + 1) &* 0x9E37_79B9_7F4A_7C15
            for _ in 0..<transfers {
                seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
                let from = Int(seed % UInt64(count)), to = Int((seed >> 20) % UInt64(count))
                guard from != to else { continue }
                let (first, second) = from < to ? (accounts[from], accounts[to]) : (accounts[to], accounts[from])
                first.lock.lock()
                second.lock.lock()
                let amount = Int(seed >> 40) % 10
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

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "plain"
let transfers = arguments.count > 2 ? Int(arguments[2]) ?? 200_000 : 200_000
let result: (seconds: Double, total: Int)
switch mode {
case "plain": result = run(PlainLock.self, threads: 16, accounts: 1_000, transfers: transfers)
case "tracked": result = run(TrackedLock.self, threads: 16, accounts: 1_000, transfers: transfers)
default:
    FileHandle.standardError.write(Data("usage: BankWorkload plain|tracked [transfers per thread]\n".utf8))
    exit(2)
}
guard result.total == 1_000 * 1_000 else {
    FileHandle.standardError.write(Data("money was created or lost: \(result.total)\n".utf8))
    exit(1)
}
print(String(format: "%@ %.3f s (%d threads x %d transfers, %d reports)", mode, result.seconds, 16, transfers, LockMonitor.violations.count))
