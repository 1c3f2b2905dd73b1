/// Receives every statistics event as it happens, for integrations (LockGraphMetrics). Called
/// on the thread that acquired, released or used the queue, sometimes under the queue's own
/// lock: implementations must be quick and must not use tracked locks.
@_spi(Integration)
public protocol StatisticsObserver: AnyObject, Sendable {
    func lockAcquired(classKey: String, waitedNanoseconds: UInt64, contended: Bool)
    func lockReleased(classKey: String, heldNanoseconds: UInt64)
    func queueDepthChanged(queue: String, depth: Int)
    func queueElementDelivered(queue: String, waitedNanoseconds: UInt64)
    func poolTaskFinished(pool: String, queuedNanoseconds: UInt64, ranNanoseconds: UInt64)
}
