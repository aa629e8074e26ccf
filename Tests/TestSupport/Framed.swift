// Bytes through Framing's `MessageFramer` the simple way, for the framing tests and for the tests
// that hold the servers' decoder to the framer (ChatTests).

import Framing

/// Feeds `segments` in order (each one a segment start, offsets contiguous) and finishes.
public func frame(_ spec: FrameSpec, segments: [[UInt8]], finish: Bool = true) -> [FramedMessage] {
    var framer = MessageFramer(spec: spec)
    var out: [FramedMessage] = []
    var offset: UInt64 = 0
    for segment in segments {
        out += framer.feed(segment, at: offset)
        offset += UInt64(segment.count)
    }
    if finish { out += framer.finish() }
    return out
}
