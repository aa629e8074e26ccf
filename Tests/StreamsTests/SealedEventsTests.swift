import XCTest
import Wire
@testable import Streams

/// The reassembler's events kept across segments (`sealEvents`, as the stream stage keeps them
/// between batches) held against draining after every segment.
final class SealedEventsTests: XCTestCase {
    /// Two segments whose payloads were not captured give two adjacent gaps: a caller that takes
    /// the events after each segment sees two, and so does one that seals after each segment and
    /// takes them at the end; without the seal the gaps merge (what the events waiting in one
    /// call always did).
    func testSealedEventsAreWhatDrainingAfterEverySegmentGives() {
        func run(_ mode: Int) -> [StreamEvent] {
            let r = TCPReassembler()
            var out: [StreamEvent] = []
            var spare: [StreamEvent] = []
            let segs: [(UInt32, TCPFlags)] = [(100, [.syn]), (101, pshAck), (111, pshAck), (121, pshAck)]
            for (frame, (seq, flags)) in segs.enumerated() {
                let claimed = seq == 100 ? 0 : 10
                let seg = TCPSegment(frame: frame + 1, timestamp: Timestamp(seconds: 1, nanoseconds: 0),
                                     source: clientIP, sourcePort: 40000, destination: serverIP, destinationPort: 9000,
                                     sequence: seq, acknowledgment: 0, flags: flags, window: 1024,
                                     payloadLength: claimed, payload: UnsafeRawBufferPointer(start: nil, count: 0))
                switch mode {
                case 0: _ = r.process(seg); out += r.takeEvents()
                case 1: r.feed(seg); r.sealEvents()
                default: r.feed(seg)
                }
            }
            XCTAssertEqual(r.pendingEventBytes, 0)
            if mode != 0 {
                r.swapEvents(&spare)
                XCTAssertEqual(r.pendingEventCount, 0)
                out += spare
            }
            return out
        }
        let drained = run(0)
        XCTAssertEqual(drained.filter { if case .gap = $0 { return true } else { return false } }.count, 3)
        XCTAssertEqual(run(1), drained)
        XCTAssertEqual(run(2).filter { if case .gap = $0 { return true } else { return false } }.count, 1)
    }
}
