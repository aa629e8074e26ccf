// libFuzzer harness "file": bytes as a pcap or pcapng file → the native reader → the whole
// `read` path (decode, the inspector's stages, every renderer) on every frame it yields; a
// damaged file must end in an error, never a trap.
import Capture
import Framing
import Inspect
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) let sink = ByteSink()

@_cdecl("LLVMFuzzerTestOneInput")
public func fileHarness(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // The bytes through a pipe (the reader takes a descriptor; libFuzzer's inputs are small).
    guard size <= 60_000 else { return 0 }
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return 0 }
    var off = 0
    while off < size {
        let n = write(fds[1], data + off, size - off)
        if n <= 0 { break }
        off += n
    }
    close(fds[1])
    defer { close(fds[0]) }
    guard let reader = try? PcapFileReader(fileDescriptor: fds[0], name: "fuzz") else { return 0 }
    defer { reader.close() }
    let inspector = Inspector(framing: FramingChoice(defaultSpec: FrameSpec(.auto)))
    var frame = DecodedFrame()
    var frames = 0
    while frames < 1000, let raw = try? reader.next() {
        frames += 1
        let view = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: frames,
                                     timestamp: raw.timestamp, into: &frame, view: true).view
        let info = FrameInfo(number: frames, timestamp: raw.timestamp, capturedLength: raw.caplen, wireLength: raw.len,
                             linkType: raw.linkType, interfaceIndex: raw.interfaceIndex)
        sink.removeAll()
        OneLine.render(info, frame, view: view, into: sink)
        OSITree.render(info, frame, payload: raw.bytes, view: view, into: sink)
        JSONLines.render(info, frame, view: view, into: sink)
    }
    inspector.finish()
    return 0
}
