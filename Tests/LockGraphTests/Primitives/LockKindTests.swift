import Testing
@testable import LockGraph

extension MonitorTests {
    /// Each tracked type declares its kind, and `LockDescriptor.type` keeps the public type's name
    /// (in the serialized suite: the locks register in the graph).
    @Suite("Lock kinds")
    struct LockKindTests {
        @Test func everyTrackedTypeHasItsKindAndItsTypeName() {
            let name = uniqueName("kind")
            let infos: [(LockInfo, LockKind, String)] = [
                (TrackedMutex(name: name).info, .mutex, String(describing: TrackedMutex.self)),
                (TrackedValueMutex(0, name: name).storage.lock.info, .valueMutex, "TrackedValueMutex"),
                (TrackedRecursiveMutex(name: name).info, .recursiveMutex, String(describing: TrackedRecursiveMutex.self)),
                (TrackedRWLock(name: name).info, .readerWriter, String(describing: TrackedRWLock.self)),
                (TrackedCondition(name: name).info, .condition, String(describing: TrackedCondition.self)),
                (TrackedLockedValueBox(0, name: name).info, .lockedValueBox, "TrackedLockedValueBox"),
                (TrackedSemaphore(value: 0, name: name).info, .semaphore, String(describing: TrackedSemaphore.self)),
                (TrackedQueue<Int>(name: name).info, .queue, "TrackedQueue"),
                (TrackedDispatchQueue(label: name).info, .dispatchQueue, String(describing: TrackedDispatchQueue.self)),
            ]
            for (info, kind, typeName) in infos {
                #expect(info.kind == kind)
                #expect(info.descriptor.type == typeName)
            }
            // One tracked type per kind: no two kinds share a type, and every kind is made by one
            // (the others are interposed locks of other code).
            let interposed: Set<LockKind> = [.nsLock, .nsRecursiveLock, .nsCondition, .nsConditionLock, .pthreadMutex,
                                             .pthreadRWLock, .pthreadCondition]
            #expect(Set(infos.map(\.1)).isDisjoint(with: interposed))
            #expect(Set(infos.map(\.1)).union(interposed) == Set(LockKind.allCases))
            #expect(Set(LockKind.allCases.map(\.typeName)).count == LockKind.allCases.count)
        }

        @Test func anInterposedFoundationLockIsKnownByItsWrapperSymbol() {
            #expect(InterposedNaming.wrapperKind("$s10Foundation6NSLockCACycfC") == .nsLock)
            #expect(InterposedNaming.wrapperKind("$s10Foundation15NSRecursiveLockCACycfC") == .nsRecursiveLock)
            #expect(InterposedNaming.wrapperKind("$s10Foundation11NSConditionCACycfC") == .nsCondition)
            // The length prefix keeps NSConditionLock from reading as NSCondition.
            #expect(InterposedNaming.wrapperKind("$s10Foundation15NSConditionLockC9conditionACSi_tcfC") == .nsConditionLock)
            #expect(InterposedNaming.wrapperKind("$s10Foundation6ThreadCACycfC") == nil)
            #expect([LockKind.nsLock, .nsRecursiveLock, .nsCondition, .nsConditionLock, .pthreadMutex].map(\.typeName)
                == ["NSLock", "NSRecursiveLock", "NSCondition", "NSConditionLock", "pthread_mutex_t"])
        }

        @Test func onlyTheReaderWriterKindsHaveReaderWriterNodes() {
            for kind in LockKind.allCases {
                let info = LockInfo(name: uniqueName("rw"), file: #fileID, line: #line, kind: kind)
                #expect(info.isReaderWriter == (kind == .readerWriter || kind == .pthreadRWLock))
            }
            #expect(LockKind.pthreadRWLock.typeName == "pthread_rwlock_t")
            #expect(LockKind.pthreadCondition.typeName == "pthread_cond_t")
        }
    }
}
