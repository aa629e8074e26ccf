import Framing

// What framescope keeps for each distinct finding beyond the failure itself: the minimised
// input, the pcap of a re-run under capture, and the record folder (`--record`). Filled in by
// the CLI after the run; the JSON and HTML reports show it.

public struct FindingEvidence: Sendable {
    /// The finding's case played alone again (the target recovered, the baseline measured
    /// afresh) up to 3 times: how often its verdict came back, and how often it was played.
    /// Fewer than 2 makes the finding `unconfirmed` (no exit status 1, not minimised).
    public var confirmed: (cameBack: Int, played: Int)?
    public var isConfirmed: Bool { (confirmed?.cameBack ?? 0) >= 2 }

    /// The record folder of this finding (`--record DIR/NN-…`).
    public var recordDir: String?
    /// The pcap of the case re-run alone under a capture on `lo`, filtered to the target's port.
    public var pcap: String?
    /// Why there is no pcap (no capture permission, `--record` not given, …).
    public var pcapNote: String?
    /// The verdict of that re-run (the case reproduced when it equals the finding's).
    public var recordedVerdict: Verdict?
    /// The minimised case (writes, close mode, connections, pauses) and hold time.
    public var minimized: FuzzCase?
    public var minimizedHold: Double?
    /// Cases played while minimising, the confirming run included.
    public var minimizeTries = 0
    /// The minimised case, run once more, gave the same verdict.
    public var minimizeConfirmed = false
    /// Why minimisation stopped early (its try or time budget), if it did.
    public var minimizeCutShort: String?
    /// The ladder diagram of the pcap's case connection, as an SVG document (HTML report).
    public var ladderSVG: String?

    public init() {}
}

/// Where the length headers lie in a case's bytes: for TCP the stream is walked header by
/// header (each declared length skips its body), for UDP each write is a datagram with its own
/// header. Ranges are offsets in `c.bytes`. Empty for `line` and `raw`.
public func headerRanges(of c: FuzzCase, spec: FrameSpec, udp: Bool) -> [Range<Int>] {
    guard let w = spec.headerWidth, w > 0 else { return [] }
    var out: [Range<Int>] = []
    if udp {
        var start = 0
        for write in c.writes {
            out.append(start ..< start + min(w, write.count))
            start += write.count
        }
        return out.filter { !$0.isEmpty }
    }
    let bytes = c.bytes
    var o = 0
    while o < bytes.count && out.count < 10_000 {
        let end = min(bytes.count, o + w)
        out.append(o ..< end)
        guard end - o == w, let n = spec.declaredLength(header: bytes[o ..< end]), n >= 0 else { break }
        let next = Int64(end) + n
        if next >= Int64(bytes.count) { break }
        o = Int(next)
    }
    return out
}
