import Foundation
import Testing
@testable import LockGraph

/// LockGraph's own threads bypass the interposer (`lockgraph run`): their Foundation calls are
/// the detector's, not the program's.
@Suite("Detector threads")
struct DetectorThreadTests {
    @Test func aDetectorThreadIsExemptFromTheInterposerAndOthersAreNot() {
        final class Seen: @unchecked Sendable { var exempt: Bool? }
        let seen = Seen()
        let done = DispatchSemaphore(value: 0)
        DetectorThread.start(name: "lockgraph-test") {
            seen.exempt = DetectorThread.isCurrentThreadExempt
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(seen.exempt == true)
        #expect(!DetectorThread.isCurrentThreadExempt)
    }
}
