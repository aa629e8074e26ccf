import XCTest
@testable import Framing
import TestSupport

extension Array where Element == UInt8 {
    init(_ text: String) { self = Array(text.utf8) }
}

func spec(_ text: String, maxMessage: Int = 1 << 20, includesHeader: Bool = false) -> FrameSpec {
    do { return try FrameSpec(parsing: text, maxMessage: maxMessage, lengthIncludesHeader: includesHeader) } catch {
        XCTFail("\(error)")
        return FrameSpec.lessonDefault
    }
}

/// Cuts `bytes` at the given sorted cut points.
func cut(_ bytes: [UInt8], at points: [Int]) -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    var last = 0
    for p in points where p > last && p < bytes.count {
        pieces.append(Array(bytes[last..<p]))
        last = p
    }
    pieces.append(Array(bytes[last...]))
    return pieces
}

/// Random cut points in 0..<count.
func randomCuts(_ count: Int, using rng: inout SplitMix64) -> [Int] {
    guard count > 1 else { return [] }
    let n = Int.random(in: 0...min(count - 1, 12), using: &rng)
    return (0..<n).map { _ in Int.random(in: 1..<count, using: &rng) }.sorted()
}

/// The facts a framer must reproduce whatever the chunking (index, offsets, header, body,
/// verdict).
struct MessageFacts: Equatable, CustomStringConvertible {
    var index: Int, start: UInt64, end: UInt64, headerValue: Int64?, declared: Int?, body: [UInt8], complete: Bool, problems: [FrameProblem]
    init(_ m: FramedMessage) {
        index = m.index; start = m.start; end = m.end; headerValue = m.headerValue; declared = m.declaredLength
        body = m.body; complete = m.complete; problems = m.problems
    }
    var description: String { "#\(index) \(start)..<\(end) h=\(headerValue.map(String.init) ?? "-") body=\(body.count) \(complete) \(problems)" }
}
