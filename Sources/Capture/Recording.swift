// Recording what goes over loopback while some work runs: `replay -w` and the fuzzer's record
// folders capture on `lo`, filtered to the target's port, while they play to it; the demo collects
// the frames of its own lesson. Bounded in time and in frames, by the one clock (Sockets).

import Dispatch
import Sockets
import Wire

/// Reads `capture` on this thread until `isDone()` has held for `settle` seconds (the last
/// frames — a FIN, an answer — arrive just after the work that sent them ends), `giveUp`
/// seconds passed, or `stop()` says so; keeps at most `maxFrames`.
public func collectFrames(from capture: LiveCapture, settle: Double, giveUp: Double, maxFrames: Int = .max,
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
public struct CapturedFrame: Sendable {
    public var timestamp: Timestamp
    public var len: Int
    public var linkType: LinkType
    public var bytes: [UInt8]

    public init(_ raw: RawFrame) {
        timestamp = raw.timestamp
        len = raw.len
        linkType = raw.linkType
        bytes = Array(raw.bytes)
    }

    public func withRaw<T>(_ body: (RawFrame) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { try body(RawFrame(timestamp: timestamp, len: len, linkType: linkType, bytes: $0)) }
    }
}

/// Captures on `lo` with a BPF filter while `work` runs on another thread, then writes what was
/// captured to `path`. Returns `work`'s result and the frames written, or why nothing could be
/// captured (no permission: the reason says how to grant it).
public enum LoopbackRecorder {
    public static func record<T: Sendable>(filter: String, path: String, work: @escaping @Sendable () -> T) -> (T, frames: Int, error: String?) {
        let capture: LiveCapture
        do {
            capture = try LiveCapture(interface: "lo", bufferSize: 8 << 20, timeoutMilliseconds: 50, filter: filter)
        } catch {
            return (work(), 0, error.description)
        }
        defer { capture.close() }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            box.value = work()
            done.signal()
        }
        var finished = false
        let frames = collectFrames(from: capture, settle: 0.2, giveUp: 120, maxFrames: 200_000) {
            if !finished { finished = done.wait(timeout: .now()) == .success }
            return finished
        }
        if !finished { done.wait() }
        do {
            let writer = try PcapWriter(path: path, linkType: capture.linkType, snaplen: capture.snaplen)
            for f in frames { try f.withRaw { try writer.write($0) } }
            try writer.close()
        } catch {
            return (box.value!, 0, "\(error)")
        }
        return (box.value!, frames.count, nil)
    }
}

/// A value written once by a worker thread and read after it signalled.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
