// libFuzzer harness "framer": bytes + a spec byte + a chunking → MessageFramer, checked against
// a simple reference framer: the same messages whatever the chunking (tools/fuzz-decoder.sh).
import Framing

let specs: [FrameSpec] = ["!I", "<i", "!H", "B", "line", "raw", "!Q", ">h"].compactMap { try? FrameSpec(parsing: $0, maxMessage: 300) }

/// The reference: the whole input in one feed, no segment boundaries.
func oneFeed(_ spec: FrameSpec, _ bytes: [UInt8]) -> [FramedMessage] {
    var f = MessageFramer(spec: spec)
    return f.feed(bytes, at: 0, segmentStart: true) + f.finish()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func framerHarness(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let spec = specs[Int(input[0]) % specs.count]
    let chunk = Int(input[1] % 16) + 1
    let bytes = Array(input.dropFirst(2))
    // Chunked feeds that are not segment starts (one segment in pieces) must give exactly the
    // messages one feed gives; raw ends messages at segment ends, so it is fed in one segment.
    // Each body is given back to a BodyPool once read (as the print thread does): the spares it
    // hands the framer must change nothing either.
    var f = MessageFramer(spec: spec)
    let pool = BodyPool()
    var bodies: [[UInt8]] = [], problems: [[FrameProblem]] = []
    let take: (consuming FramedMessage) -> Void = { (m: consuming FramedMessage) in
        bodies.append(m.body.withUnsafeBytes { [UInt8]($0) })  // a copy in storage of its own
        problems.append(m.problems)
        pool.recycle(&m.body)
    }
    var o = 0
    while o < bytes.count {
        let piece = Array(bytes[o ..< min(bytes.count, o + chunk)])
        piece.withUnsafeBytes { f.feed($0, at: UInt64(o), segmentStart: o == 0, bodies: pool, into: take) }
        o += piece.count
        precondition(f.bufferedBytes <= spec.maxMessage + 9, "framer holds more than its limit")
    }
    f.finish(into: take)
    let reference = oneFeed(spec, bytes)
    precondition(bodies == reference.map(\.body), "chunking changed the messages for \(spec)")
    precondition(problems == reference.map(\.problems), "chunking changed the problems for \(spec)")
    return 0
}
