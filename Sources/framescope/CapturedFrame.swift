import ArgumentParser
import Fuzz
import FuzzDriver
import Capture
import Chat
import Dispatch
import Framing
import Inspect
import Render
import Sockets
import Streams
import Wire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads `capture` on this thread until `isDone()` has held for `settle` seconds (the last
/// frames — a FIN, an answer — arrive just after the work that sent them ends), `giveUp`
/// seconds passed, or `stop()` says so; keeps at most `maxFrames`.
func collectFrames(from capture: LiveCapture, settle: Double, giveUp: Double, maxFrames: Int = .max,
                   stop: () -> Bool = { false }, isDone: () -> Bool) -> [CapturedFrame] {
    var frames: [CapturedFrame] = []
    var finishedAt: Double? = nil
    let deadline = Deadline(after: giveUp)
    while !stop(), !deadline.hasPassed {
        if finishedAt == nil, isDone() { finishedAt = monotonicSeconds() }
        if let f = finishedAt, monotonicSeconds() - f > settle { break }
        guard let next = try? capture.next() else { break }
        if case .frame(let raw) = next, frames.count < maxFrames { frames.append(CapturedFrame(raw)) }
    }
    return frames
}

/// A captured frame copied out of libpcap's buffer.
struct CapturedFrame {
    var timestamp: Timestamp
    var len: Int
    var linkType: LinkType
    var bytes: [UInt8]

    init(_ raw: RawFrame) {
        timestamp = raw.timestamp
        len = raw.len
        linkType = raw.linkType
        bytes = Array(raw.bytes)
    }

    func withRaw<T>(_ body: (RawFrame) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { try body(RawFrame(timestamp: timestamp, len: len, linkType: linkType, bytes: $0)) }
    }
}
