/// Which tracked type a lock is. Logic that depends on the type (how a hold on a dispatch queue
/// is described, which advice a re-entry gets, whether a stalled lock is a semaphore) switches
/// on this, never on a type name.
///
/// Reports and documents show the type's name, `typeName`, as ``LockDescriptor/type``.
/// `TrackedThreadPool` has no case: it is built from other tracked types and has no lock of its
/// own in the graph.
enum LockKind: Sendable, Hashable, CaseIterable {
    case mutex
    /// `TrackedValueMutex`, built on a `TrackedMutex`.
    case valueMutex
    case recursiveMutex
    case readerWriter
    case condition
    case lockedValueBox
    case semaphore
    case queue
    case dispatchQueue
    /// Locks of other code, tracked by interposing `pthread_mutex_*` (`LockGraphPreload`,
    /// `lockgraph run`): Foundation's lock classes, named by the wrapper that made them, and a
    /// bare pthread mutex.
    case nsLock
    case nsRecursiveLock
    case nsCondition
    case nsConditionLock
    case pthreadMutex
    /// A bare `pthread_rwlock_t` and `pthread_cond_t` (interposed too).
    case pthreadRWLock
    case pthreadCondition

    /// A lock with the four reader-writer nodes (see `LockNode`).
    var isReaderWriter: Bool { self == .readerWriter || self == .pthreadRWLock }

    /// The name of the public type, as `LockDescriptor.type` has always shown it.
    var typeName: String {
        switch self {
        case .mutex: "TrackedMutex"
        case .valueMutex: "TrackedValueMutex"
        case .recursiveMutex: "TrackedRecursiveMutex"
        case .readerWriter: "TrackedRWLock"
        case .condition: "TrackedCondition"
        case .lockedValueBox: "TrackedLockedValueBox"
        case .semaphore: "TrackedSemaphore"
        case .queue: "TrackedQueue"
        case .dispatchQueue: "TrackedDispatchQueue"
        case .nsLock: "NSLock"
        case .nsRecursiveLock: "NSRecursiveLock"
        case .nsCondition: "NSCondition"
        case .nsConditionLock: "NSConditionLock"
        case .pthreadMutex: "pthread_mutex_t"
        case .pthreadRWLock: "pthread_rwlock_t"
        case .pthreadCondition: "pthread_cond_t"
        }
    }
}
