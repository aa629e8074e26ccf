// libFuzzer harness "frame": a link type byte + bytes → the full decode path: Wire, then the
// inspector's stages on that one frame, then every renderer (one-line, tree, hex, JSON); and
// `messages`' path (`Inspector.feed`, which reads the usual frame with `Dissector.peek`), whose
// peek must agree with the decode wherever it accepts a frame.
import Framing
import Inspect
import Render
import Wire

let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6]
nonisolated(unsafe) let inspector = Inspector(framing: FramingChoice(defaultSpec: FrameSpec(.auto)))
nonisolated(unsafe) var frame = DecodedFrame()
nonisolated(unsafe) var number = 0
nonisolated(unsafe) let sink = ByteSink()
nonisolated(unsafe) let fed = Inspector(framing: nil)
nonisolated(unsafe) var fedFrame = DecodedFrame()

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
    fed.feed(bytes, linkType: link, wireLength: size - 1 + Int(data[0] & 3), number: number, timestamp: t, into: &fedFrame)
    _ = fed.streams.takeEvents()
    if let p = Dissector.peek(bytes, linkType: link) {
        var ports: (UInt16, UInt16)? = nil
        switch frame.layers.last?.header {
        case .tcp(let h)?: ports = (h.sourcePort, h.destinationPort)
        case .udp(let h)?: ports = (h.sourcePort, h.destinationPort)
        default: break
        }
        precondition(frame.payloadRange == p.payload && frame.fragmentRange == nil && ports != nil
                     && ports?.0 == p.sourcePort && ports?.1 == p.destinationPort, "the peek disagrees with decode")
    }
    return 0
}
