// Evidence `auto` takes from segments rather than from a running sample: the lesson's
// turn-taking text, and a message split over segments whose lengths add up to its header.

extension AutoFraming {
    /// Bytes a person would call bare text: valid UTF-8 with no control byte but tab, no DEL,
    /// and no newline (a newline would be line evidence). A length header of a message shorter
    /// than 16 MiB starts with a zero byte, so such bytes are no header.
    public static func isBareText(_ bytes: [UInt8]) -> Bool {
        for b in bytes where (b < 0x20 && b != 0x09) || b == 0x7F { return false }
        return isUTF8(bytes)
    }

    /// The lesson's first chat: both directions sent bare text (no length header, no newline) and
    /// the sides took turns — one spoke, the other answered. Nothing more will tell the messages
    /// apart, so each segment is one message, exactly what the lesson's `recv(1024)` reads. Nil
    /// unless both samples are bare text and no length format chains through them.
    public static func turnTaking(_ samples: [[UInt8]], maxMessage: Int = 1 << 20) -> FramingGuess? {
        guard samples.count == 2, samples.allSatisfy({ !$0.isEmpty && isBareText($0) }) else { return nil }
        guard guess(directions: samples, maxMessage: maxMessage).spec.kind == .raw else { return nil }
        return FramingGuess(spec: FrameSpec(.raw, maxMessage: max(maxMessage, 0)), confidence: 0.6,
                            evidence: "bare UTF-8 text both ways, no length header and no newline, the two sides taking turns: "
                                + "each segment is taken as one message, as one recv() reads it (it works while the sides take turns; "
                                + "two sends that meet one recv() run together: 粘包)")
    }

    /// What one direction's segments (each begins where a segment began, in stream order, with
    /// no gap between them) say through messages split over several of them: a 4- or 8-byte
    /// header announcing more bytes than its segment holds, whose following segments add up to
    /// exactly the announced length (or end it with more headers that chain exactly). Returns the
    /// format proved that way, with how; and the format of a header that still waits for the rest
    /// of its message (`pending`: the caller should keep holding rather than decide). Only the first
    /// `maxSegments` segments are looked at, and past them nothing is pending any more (hostile
    /// input must not make every segment re-walk a long list).
    public static func continuation(_ segments: [[UInt8]], maxMessage: Int = 1 << 20, maxSegments: Int = 64)
        -> (proved: FramingGuess?, pending: FrameSpec?) {
        var pending: FrameSpec?
        let segments = segments.prefix(maxSegments)
        for spec in candidates(maxMessage: max(maxMessage, 0)) {
            guard let width = spec.headerWidth, width >= 4 else { continue }
            for i in segments.indices {
                let first = segments[i]
                guard let field = spec.readField(first), field.declared > 0, spec.isPlausible(field.declared) else { continue }
                let available = first.count - width
                guard field.declared > Int64(available) else { continue }
                var need = Int(field.declared) - available
                var j = i + 1
                var proved = false
                while j < segments.count {
                    let seg = segments[j]
                    if seg.count < need { need -= seg.count; j += 1; continue }
                    if seg.count == need {
                        proved = true
                    } else if let chain = walk(spec, [Array(seg[need...])]), chain.exact {
                        proved = true
                    }
                    need = 0
                    break
                }
                if proved {
                    let n = j - i
                    return (FramingGuess(spec: spec, confidence: 0.9,
                                         evidence: "a header of \(spec) announces \(field.declared) bytes and the next \(n) segment\(n == 1 ? "" : "s") bring exactly the rest"),
                            nil)
                }
                if need > 0 && j == segments.count && pending == nil { pending = spec }
            }
        }
        return (nil, segments.count < maxSegments ? pending : nil)
    }
}
