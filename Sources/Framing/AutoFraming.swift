/// What `auto` chose for a stream, how sure it is (0...1), and why, in one line a person can
/// read ("3 headers of !I chain exactly through 42 bytes").
public struct FramingGuess: Sendable, Hashable {
    public var spec: FrameSpec
    public var confidence: Double
    /// The line, written when it is read: `auto` guesses on every new stream and the line is
    /// shown only in notices, `follow` and `stats`.
    public var evidence: String {
        get { reason.text }
        set { reason = .text(newValue) }
    }
    var reason: Reason

    public init(spec: FrameSpec, confidence: Double, evidence: String) {
        self.init(spec: spec, confidence: confidence, reason: .text(evidence))
    }

    init(spec: FrameSpec, confidence: Double, reason: Reason) {
        self.spec = spec
        self.confidence = confidence
        self.reason = reason
    }

    /// The same guess: same spec, confidence and evidence line.
    public static func == (a: FramingGuess, b: FramingGuess) -> Bool {
        a.spec == b.spec && a.confidence == b.confidence && a.evidence == b.evidence
    }

    public func hash(into h: inout Hasher) {
        h.combine(spec)
        h.combine(confidence)
        h.combine(evidence)
    }

    /// What `evidence` says, kept as the numbers of `AutoFraming.guess`'s usual findings.
    enum Reason: Sendable {
        case text(String)
        /// `directions`: how many samples (said when more than one).
        case lines(count: Int, crlf: Bool, allTerminated: Bool, total: Int, directions: Int)
        case chain(messages: Int, spec: FrameSpec, exact: Bool, covered: Int, total: Int, directions: Int)
        case noChain(total: Int, directions: Int, text: Bool)

        var text: String {
            switch self {
            case let .text(s):
                return s
            case let .lines(count, crlf, allTerminated, total, directions):
                let tail = allTerminated ? "" : "; the last line is not finished"
                return "\(count) line\(count == 1 ? "" : "s") of UTF-8 text ending in \\n\(crlf ? " (CRLF)" : "") in \(total) bytes\(Self.dirs(directions))\(tail)"
            case let .chain(messages, spec, exact, covered, total, directions):
                let noun = "header\(messages == 1 ? "" : "s") of \(spec)"
                return exact
                    ? "\(messages) \(noun) chain exactly through \(total) bytes\(Self.dirs(directions))"
                    : "\(messages) \(noun) chain through \(covered) of \(total) bytes\(Self.dirs(directions)); the sample ends inside the next message"
            case let .noChain(total, directions, text):
                return "no length format chains through the \(total) bytes\(Self.dirs(directions)) and they are \(text ? "UTF-8 text without newlines" : "bytes"): raw, one message per segment"
            }
        }

        static func dirs(_ n: Int) -> String { n > 1 ? " in \(n) directions" : "" }
    }
}

/// Guesses a stream's framing from its first bytes. The user can always override with
/// `--framing`.
///
/// The rules, in order:
/// 1. **line** when every sample is UTF-8 text (no control bytes but tab, CR, LF) holding at
///    least one `\n`. A length header of a message shorter than 16 MiB starts with a 0 byte, so
///    text rarely looks like one.
/// 2. **a length format** — each of `B`, `!H`, `<H`, `!I`, `<I`, `!Q`, `<Q` (unsigned: a signed
///    reading of a plausible length is the same number) is walked through every sample: read a
///    header, check its value is 0...maxMessage, skip the body, repeat. A format *chains* when
///    its headers land exactly on the end of each sample with at least 2 messages in all, or 1
///    message ending exactly at the end; a chain that ends inside a last message counts too, with
///    lower confidence, when it has at least 2 whole non-empty messages before (not for `B`: with 1-byte
///    headers nearly any bytes chain for a while). The best chain has the
///    most non-empty messages, then ends exactly, then has the fewest empty (zero-length)
///    messages, then comes first in the order `!I <I !H <H !Q <Q B` (the lesson's `!I` first).
///    So `\0\0\0\x05hello` is `!I` (as `!H` it would be an empty message then "hello").
/// 3. **a single plausible header**: when nothing chains, a 4- or 8-byte header whose value is
///    1...maxMessage and longer than the rest of the sample (the sample ends inside the first
///    message) — low confidence. (Any 2 bytes are at most 65535, so 2-byte headers prove
///    nothing alone.)
/// 4. **raw** otherwise.
///
/// `lengthIncludesHeader` is not guessed (the returned spec has it false).
public enum AutoFraming {
    /// One direction's first bytes.
    public static func guess(_ sample: [UInt8], maxMessage: Int = 1 << 20) -> FramingGuess {
        guess(directions: [sample], maxMessage: maxMessage)
    }

    /// Both directions' first bytes (each is walked on its own; empty ones are ignored). A
    /// format must hold in every direction.
    public static func guess(directions samples: [[UInt8]], maxMessage: Int = 1 << 20) -> FramingGuess {
        let maxMessage = max(maxMessage, 0)
        // (Filtered only when one is empty: a guess runs on every new stream.)
        let samples = samples.contains(where: { $0.isEmpty }) ? samples.filter { !$0.isEmpty } : samples
        let total = samples.reduce(0) { $0 + $1.count }
        let raw = FrameSpec(.raw, maxMessage: maxMessage)
        guard total > 0 else {
            return FramingGuess(spec: raw, confidence: 0, evidence: "no bytes yet: raw until there are")
        }

        if let lines = lineEvidence(samples) {
            let spec = FrameSpec(.line, maxMessage: maxMessage)
            let confidence = (lines.count >= 2 ? 0.9 : 0.7) * (lines.allTerminated ? 1 : 0.8)
            return FramingGuess(spec: spec, confidence: confidence,
                                reason: .lines(count: lines.count, crlf: lines.crlf, allTerminated: lines.allTerminated,
                                               total: total, directions: samples.count))
        }

        var best: (spec: FrameSpec, chain: Chain)?
        for spec in candidates(maxMessage: maxMessage) {
            guard let chain = walk(spec, samples) else { continue }
            if let b = best, !chain.beats(b.chain) { continue }
            best = (spec, chain)
        }
        if let (spec, chain) = best {
            let messages = chain.messages
            var confidence = 1 - 1 / Double(1 << min(chain.nonEmpty + 1, 10))
            if !chain.exact { confidence *= 0.8 }
            if chain.nonEmpty == 0 { confidence = 0.2 }
            return FramingGuess(spec: spec, confidence: min(confidence, 0.99),
                                reason: .chain(messages: messages, spec: spec, exact: chain.exact, covered: chain.covered,
                                               total: total, directions: samples.count))
        }

        for spec in candidates(maxMessage: maxMessage) where (spec.headerWidth ?? 0) >= 4 {
            if let first = samples.first, let field = spec.readField(first), field.declared > 0,
               spec.isPlausible(field.declared), field.declared > Int64(first.count - (spec.headerWidth ?? 0)) {
                return FramingGuess(spec: spec, confidence: 0.35,
                                    evidence: "1 header of \(spec) declares \(field.declared) bytes, more than the \(total)-byte sample holds: a guess")
            }
        }
        return FramingGuess(spec: raw, confidence: 0.3,
                            reason: .noChain(total: total, directions: samples.count, text: samples.allSatisfy { isUTF8($0) }))
    }

    /// Candidate length formats in preference order (the lesson's `!I` first). A 4-byte
    /// little-endian header is taken as signed (`<i`): it is the lesson's other form,
    /// `struct.pack('i', n)` on a little-endian machine, and a negative length is then reported
    /// as `negative_length` instead of a huge unsigned one (values below 2^31 read the same).
    static func candidates(maxMessage: Int) -> [FrameSpec] {
        if maxMessage == FrameSpec.defaultMaxMessage { return defaultCandidates }
        return makeCandidates(maxMessage: maxMessage)
    }

    /// Made once: a stream's guess runs on every segment until it is sure.
    static let defaultCandidates = makeCandidates(maxMessage: FrameSpec.defaultMaxMessage)

    static func makeCandidates(maxMessage: Int) -> [FrameSpec] {
        let formats: [(Int, ByteOrder, Character?, Bool)] = [
            (4, .big, "!", false), (4, .little, "<", true), (2, .big, "!", false), (2, .little, "<", false),
            (8, .big, "!", false), (8, .little, "<", false), (1, .big, nil, false),
        ]
        return formats.map { FrameSpec(.length(width: $0.0, signed: $0.3, order: $0.1, orderChar: $0.2), maxMessage: maxMessage) }
    }

    struct Chain {
        var messages = 0
        var nonEmpty = 0
        var empty = 0
        var exact = true
        var covered = 0

        /// Better evidence: more non-empty messages, then exact, then fewer empty ones. Ties keep
        /// the earlier (preferred) candidate.
        func beats(_ other: Chain) -> Bool {
            if nonEmpty != other.nonEmpty { return nonEmpty > other.nonEmpty }
            if exact != other.exact { return exact }
            return empty < other.empty
        }
    }

    /// Walks `spec`'s headers through every sample; nil when they do not chain.
    static func walk(_ spec: FrameSpec, _ samples: [[UInt8]]) -> Chain? {
        guard let width = spec.headerWidth else { return nil }
        var chain = Chain()
        for sample in samples {
            var pos = 0
            var whole = 0
            var wholeNonEmpty = 0
            while pos < sample.count {
                guard let field = sample.withUnsafeBytes({ spec.readField($0, at: pos) }) else {
                    chain.exact = false  // the sample ends inside a header
                    break
                }
                guard spec.isPlausible(field.declared) else { return nil }
                let declared = Int(field.declared)
                let next = pos + width + declared
                if next > sample.count {
                    chain.exact = false  // the sample ends inside a body
                    break
                }
                whole += 1
                if declared == 0 { chain.empty += 1 } else { chain.nonEmpty += 1; wholeNonEmpty += 1 }
                pos = next
            }
            // A partial chain needs 2 whole non-empty messages before it, and a header of 2 bytes
            // or more (with 1-byte headers nearly any bytes chain for a while).
            if pos < sample.count && (wholeNonEmpty < 2 || width == 1) { return nil }
            chain.messages += whole
            chain.covered += pos
        }
        guard chain.messages >= 1 else { return nil }
        if chain.messages == 1 && !chain.exact { return nil }
        return chain
    }

    /// Line evidence: every sample is UTF-8 text (no control bytes but \t \r \n) with a \n.
    static func lineEvidence(_ samples: [[UInt8]]) -> (count: Int, allTerminated: Bool, crlf: Bool)? {
        var count = 0
        var terminated = true
        var crlf = false
        for sample in samples {
            guard sample.contains(0x0A), isUTF8(sample) else { return nil }
            for (i, byte) in sample.enumerated() {
                if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { return nil }
                if byte == 0x7F { return nil }
                if byte == 0x0A {
                    count += 1
                    if i > 0 && sample[i - 1] == 0x0D { crlf = true }
                }
            }
            if sample.last != 0x0A { terminated = false }
        }
        return (count, terminated, crlf)
    }
}
