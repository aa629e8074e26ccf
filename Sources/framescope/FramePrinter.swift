import ArgumentParser
import Synchronization
import Capture
import Framing
import Inspect
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Decodes frames and renders them to standard output in the chosen mode. Rendering goes into a
/// byte buffer that is written out in large blocks (or after every frame when `interactive`).
final class FramePrinter {
    enum Mode { case oneLine, tree, json }

    let mode: Mode
    let hex: Bool
    let style: TextStyle
    let interactive: Bool
    private let inspector: Inspector
    // Not checked for exclusive access at run time: only `handle` uses it, on one thread, and
    // the checks cost more than the copying they guarded (four a frame).
    @exclusivity(unchecked) private var frame = DecodedFrame()
    private let sink = ByteSink(capacity: 1 << 17)
    private(set) var outputClosed = false

    init(_ options: OutputOptions, interactive: Bool = false) {
        mode = options.json ? .json : options.verbose ? .tree : .oneLine
        hex = options.hex
        style = TextStyle(colour: Terminal.colourWanted(fd: 1))
        self.interactive = interactive
        // Only the per-frame views are printed: no messages or ended streams kept.
        inspector = (try? options.framing.inspector(verifiesChecksums: true, reassembles: !options.noMessages, keeps: []))
            ?? Inspector(framing: nil, reassembles: false)
    }

    func handle(_ raw: RawFrame, number: Int) {
        let view = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: number,
                                     timestamp: raw.timestamp, into: &frame, view: true).view
        if raw.timestamp.fractionAsRead != nil, let w = raw.timestamp.impossibleFractionWarning(frame: number) {
            frame.warnings.append(w)
        }
        let info = FrameInfo(number: number, timestamp: raw.timestamp, capturedLength: raw.caplen,
                             wireLength: raw.len, linkType: raw.linkType, interfaceIndex: raw.interfaceIndex)
        if let m = inspector.messages { Terminal.warnings(m) }
        switch mode {
        case .oneLine: OneLine.render(info, frame, view: view, style: style, into: sink)
        case .tree: OSITree.render(info, frame, payload: raw.bytes, view: view, style: style, into: sink)
        case .json: JSONLines.render(info, frame, view: view, into: sink)
        }
        if hex {
            HexDump.render(raw.bytes, layers: frame.layers, payload: frame.payloadRange, style: style, into: sink)
        }
        if mode == .tree || hex { sink.byte(UInt8(ascii: "\n")) }
        if interactive || sink.count >= 1 << 16 { flush() }
    }

    /// End of input: the pipeline's last warnings (fragments never completed, …), then the
    /// buffered output.
    func finish() {
        inspector.finish()
        if let m = inspector.messages { Terminal.warnings(m) }
        flush()
    }

    /// Writes what is buffered; notes a closed pipe (`| head`) so the caller can stop early.
    func flush() {
        guard !outputClosed else { sink.removeAll(); return }
        if !sink.withBytes({ Terminal.writeAll(fd: 1, $0) }) { outputClosed = true }
        sink.removeAll()
    }
}
