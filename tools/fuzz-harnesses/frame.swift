// libFuzzer harness "frame": a link type byte + bytes → the full decode path: Wire, then the
// inspector's stages on that one frame, then every renderer (one-line, tree, hex, JSON).
import Framing
import Inspect
import Render
import Wire

let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6]
nonisolated(unsafe) let inspector = Inspector(framing: FramingChoice(defaultSpec: FrameSpec(.auto)))
nonisolated(unsafe) var frame = DecodedFrame()
nonisolated(unsafe) var number = 0
nonisolated(unsafe) let sink = ByteSink()

@_cdecl("LLVMFuzzerTestOneInput")
public func frameHarness(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let link = linkTypes[Int(data[0]) % linkTypes.count]
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    number += 1
    let t = Timestamp(seconds: Int64(number), nanoseconds: 0)
    let view = inspector.inspect(bytes, linkType: link, wireLength: size - 1 + Int(data[0] & 3), number: number,
                                 timestamp: t, into: &frame, view: true).view
    let info = FrameInfo(number: number, timestamp: t, capturedLength: bytes.count, wireLength: bytes.count, linkType: link)
    sink.removeAll()
    OneLine.render(info, frame, view: view, into: sink)
    OSITree.render(info, frame, payload: bytes, view: view, into: sink)
    HexDump.render(bytes, layers: frame.layers, payload: frame.payloadRange, into: sink)
    JSONLines.render(info, frame, view: view, into: sink)
    _ = inspector.messages?.takeMessages()
    _ = inspector.messages?.takeWarnings()
    return 0
}
