import Framing

/// What a catalogue is built for.
public struct CatalogueOptions: Sendable {
    /// The target's framing (a length format, `line`, or `raw` for unframed datagrams).
    public var spec: FrameSpec
    /// The server's largest accepted body: `--max-message`, or what the fuzzer learned.
    public var limit: Int
    public var udp: Bool
    /// The families to build; empty means every family that applies.
    public var families: Set<Family>
    public var seed: UInt64

    public init(spec: FrameSpec, limit: Int, udp: Bool, families: Set<Family> = [], seed: UInt64 = 1) {
        self.spec = spec
        self.limit = limit
        self.udp = udp
        self.families = families
        self.seed = seed
    }

    /// The families that apply to this transport and framing, in catalogue order.
    public var applicableFamilies: [Family] {
        let all: [Family]
        switch (spec.kind, udp) {
        case (.length, false): all = [.boundaryLength, .relativeLength, .truncatedHeader, .writeBoundaries, .body, .confusion, .connection, .mutation]
        case (.length, true): all = [.boundaryLength, .relativeLength, .body, .confusion, .udp, .mutation]
        case (.line, false): all = [.line, .connection, .mutation]
        case (.line, true), (.raw, true): all = [.body, .udp, .mutation]
        case (.raw, false): all = [.body, .connection, .mutation]
        case (.auto, _): all = []
        }
        return families.isEmpty ? all : all.filter(families.contains)
    }
}

/// The deterministic part of the catalogue, for the spec's width and signedness, then seeded
/// random mutations (`Mutator`). The same options give the same cases in the same order.
public struct Catalogue: Sendable {
    public let options: CatalogueOptions
    /// The fixed cases, in family order.
    public let fixed: [FuzzCase]
    private let mutator: Mutator?

    public init(_ options: CatalogueOptions) {
        self.options = options
        var b = Builder(options: options)
        for family in options.applicableFamilies {
            switch family {
            case .boundaryLength: b.boundaryLengths()
            case .relativeLength: b.relativeLengths()
            case .truncatedHeader: b.truncatedHeaders()
            case .writeBoundaries: b.writeBoundaries()
            case .body: b.bodies()
            case .confusion: b.confusion()
            case .connection: b.connections()
            case .udp: b.datagrams()
            case .line: b.lines()
            case .mutation: break
            }
        }
        // Cases that must run alone (held connections) cost the hold time each: they come after
        // the others, so the quick cases find what they find first.
        fixed = b.cases.filter { !$0.exclusive } + b.cases.filter(\.exclusive)
        mutator = options.applicableFamilies.contains(.mutation) ? Mutator(options: options) : nil
    }

    /// The number of cases in a run of at most `limit` cases.
    public func count(limit: Int) -> Int {
        mutator == nil ? min(limit, fixed.count) : max(0, limit)
    }

    /// Case `index` (0-based): a fixed case, then mutation `index - fixed.count + 1`.
    public func `case`(_ index: Int) -> FuzzCase? {
        if index < fixed.count { return index >= 0 ? fixed[index] : nil }
        return mutator?.mutation(index - fixed.count + 1)
    }

    /// The case with this id (`neg-len/3`, `mut/17`), for `--replay`.
    public func `case`(id: String) -> FuzzCase? {
        if let c = fixed.first(where: { $0.id == id }) { return c }
        if id.hasPrefix("mut/"), let n = Int(id.dropFirst(4)), n >= 1 { return mutator?.mutation(n) }
        return nil
    }
}

/// Builds the fixed cases; every case gets its id `slug/n` here.
struct Builder {
    let options: CatalogueOptions
    var cases: [FuzzCase] = []
    private var slugCounts: [String: Int] = [:]

    init(options: CatalogueOptions) { self.options = options }

    var spec: FrameSpec { options.spec }
    var width: Int { spec.headerWidth ?? 0 }
    var udp: Bool { options.udp }
    /// The largest body the field itself can declare.
    var limit: Int { min(options.limit, spec.largestBody ?? options.limit) }

    mutating func add(_ slug: String, _ c: FuzzCase) {
        var c = c
        let n = (slugCounts[slug] ?? 0) + 1
        slugCounts[slug] = n
        c.id = "\(slug)/\(n)"
        if udp { c.close = .none }
        cases.append(c)
    }

    /// Adds one case per close mode (UDP: one case).
    mutating func add(_ slug: String, _ c: FuzzCase, closes: [CloseMode]) {
        for mode in udp ? [.none] : closes {
            var v = c
            v.close = mode
            add(slug, v)
        }
    }

    /// A valid frame, or nil when the body does not fit.
    func frame(_ body: [UInt8]) -> [UInt8]? { spec.frameIgnoringLimit(body) }

    func header(_ bits: UInt64) -> [UInt8] { spec.header(field: bits) ?? [] }

    static func filler(_ count: Int, _ byte: UInt8 = 0x41) -> [UInt8] { [UInt8](repeating: byte, count: max(0, count)) }

    static let sixteen = Array("relative-length!".utf8)

    // MARK: - boundary_length

    mutating func boundaryLengths() {
        guard width > 0 else { return }
        let sig: Bool
        if case let .length(_, s, _, _) = spec.kind { sig = s } else { sig = false }
        var values: [(String, UInt64)] = []
        func declare(_ name: String, _ length: Int64) { values.append((name, spec.field(declaring: length))) }
        declare("0", 0)
        declare("1", 1)
        let l = Int64(limit)
        declare("limit-1", l - 1)
        declare("limit", l)
        declare("limit+1", l + 1)
        for (name, v) in [("2^7", 128), ("2^8", 256), ("2^15-1", 32767), ("2^15", 32768), ("2^15+1", 32769),
                          ("2^16-1", 65535), ("2^16", 65536), ("2^16+1", 65537), ("2^31-1", 2_147_483_647),
                          ("2^31", 2_147_483_648), ("2^32-1", 4_294_967_295)] as [(String, Int64)] {
            values.append((name, UInt64(v)))  // raw field values: what the field holds, whatever it means
        }
        values.append(("all-ones", .max))
        if sig {
            declare("-1", -1)
            declare("-2", -2)
            declare("-limit", -l)
            values.append(("most-negative", UInt64(1) << UInt64(width * 8 - 1)))
        }
        // The byte-swapped field of a valid 16-byte length, and off by the header size.
        values.append(("byte-swapped-16", spec.byteSwapped(spec.field(declaring: 16))))
        declare("16+header", 16 + Int64(width))
        declare("16-header", 16 - Int64(width))

        var seen = Set<UInt64>()
        for (name, raw) in values {
            let bits = raw & spec.fieldMask
            guard seen.insert(bits).inserted else { continue }
            let h = header(bits)
            let declared = spec.declaredLength(header: h) ?? 0
            let slug = declared < 0 ? "neg-len" : "len-\(name)"
            // A complete body where it is small enough to send, else 16 bytes of it.
            let largest = udp ? 65507 - width : 1 << 21  // a datagram holds at most 65,507 bytes
            let full = declared >= 0 && declared <= Int64(min(limit + 1, largest)) && !(name.hasPrefix("16") || name == "byte-swapped-16")
            let body = full ? Builder.filler(Int(declared)) : Array(Builder.sixteen)
            let valid = full && declared <= Int64(limit)
            let note = "header \(hex(h)) declares \(declared) (\(name)), \(body.count) body bytes follow"
            let c = FuzzCase(family: .boundaryLength, writes: [h + body], close: .fin,
                             expected: valid ? [body] : [], note: note)
            let incomplete = declared > Int64(body.count)
            add(slug, c, closes: incomplete ? [.fin, .hold] : [.fin])
        }
    }

    // MARK: - relative_length

    mutating func relativeLengths() {
        guard width > 0 else { return }
        let body = Builder.sixteen
        for (slug, declared) in [("body-1", 15), ("body", 16), ("body+1", 17), ("body+100", 116), ("body+4096", 4112), ("shorter", 2)] {
            let h = header(spec.field(declaring: Int64(declared)))
            guard spec.declaredLength(header: h) == Int64(declared) else { continue }  // the field cannot hold it
            let note = declared == 16 ? "a valid frame: declares 16, sends 16"
                : declared == 2 ? "declares 2, sends 16: the other 14 bytes are read as the next header and body"
                : "declares \(declared), sends 16"
            let c = FuzzCase(family: .relativeLength, writes: [h + body], close: .fin,
                             expected: declared == 16 ? [body] : [], note: note)
            add(slug, c, closes: [.fin, .halfClose, .hold, .rst])
        }
    }

    // MARK: - truncated_header

    mutating func truncatedHeaders() {
        guard width > 0 else { return }
        let full = header(spec.field(declaring: 16))
        for k in stride(from: 1, to: width, by: 1) {
            let c = FuzzCase(family: .truncatedHeader, writes: [Array(full.prefix(k))], close: .fin,
                             note: "\(k) of the header's \(width) bytes, then nothing")
            add("cut-header-\(k)", c, closes: [.fin, .hold])
        }
        let c = FuzzCase(family: .truncatedHeader, writes: [full], close: .fin, note: "a whole header declaring 16, no body")
        add("header-only", c, closes: [.fin, .hold])
    }

    // MARK: - write_boundaries

    mutating func writeBoundaries() {
        guard width > 0, let one = frame(Array("dribbled".utf8)) else { return }
        add("dribble", FuzzCase(family: .writeBoundaries, writes: one.map { [$0] }, close: .fin, gapMillis: 1,
                                expected: [Array("dribbled".utf8)], note: "one valid frame, one byte per write (TCP_NODELAY)"))
        for k in stride(from: 1, to: width, by: 1) {
            add("header-split", FuzzCase(family: .writeBoundaries, writes: [Array(one.prefix(k)), Array(one.dropFirst(k))],
                                         close: .fin, gapMillis: 5, expected: [Array("dribbled".utf8)],
                                         note: "the header split after byte \(k)"))
        }
        for count in [2, 3, 5000] {
            var all: [UInt8] = []
            var bodies: [[UInt8]] = []
            for i in 0..<count {
                let b = Array("m\(i)".utf8)
                bodies.append(b)
                all += frame(b) ?? []
            }
            add("frames-in-one-write", FuzzCase(family: .writeBoundaries, writes: [all], close: .fin, expected: bodies,
                                                note: "\(count) valid frames in one write (sticky, 粘包)"))
        }
        let big = Builder.filler(min(4096, limit), 0x62)
        if let f = frame(big) {
            let step = max(1, (f.count + 63) / 64)
            let writes = stride(from: 0, to: f.count, by: step).map { Array(f[$0..<min(f.count, $0 + step)]) }
            add("many-writes", FuzzCase(family: .writeBoundaries, writes: writes, close: .fin, expected: [big],
                                        note: "one \(big.count)-byte frame over \(writes.count) writes (拆包)"))
        }
        let slowBody = Array("a slow sender's message".utf8)
        if let f = frame(slowBody) {
            let step = max(1, (f.count + 7) / 8)
            let writes = stride(from: 0, to: f.count, by: step).map { Array(f[$0..<min(f.count, $0 + step)]) }
            add("slow-sender", FuzzCase(family: .writeBoundaries, writes: writes, close: .fin, gapMillis: 40, expected: [slowBody],
                                        note: "one frame in \(writes.count) writes 40 ms apart"))
        }
    }

    // MARK: - body

    mutating func bodies() {
        let judged: [(String, [UInt8], Bool)] = [
            ("empty", [], true),
            ("nul", Builder.filler(64, 0), false),
            ("invalid-utf8", [0xff, 0xfe, 0xfd], false),
            ("cut-utf8", [0xe4, 0xbd], false),
            ("overlong-utf8", [0xc0, 0x80], false),
            ("surrogate-utf8", [0xed, 0xa0, 0x80], false),
            ("at-limit", Builder.filler(min(limit, udp ? 65507 - width : limit), 0x7a), true),
        ]
        for (slug, body, checked) in judged {
            if spec.kind == .line && (body.contains(0x0A)) { continue }
            guard let f = frame(body) else { continue }
            if udp && f.count > 65507 { continue }
            if spec.kind == .raw && body.isEmpty { continue }  // an empty datagram is the udp family's
            let note = checked ? "a valid frame with a \(body.count)-byte body (\(slug))"
                : "a valid frame whose body is \(slug) (\(body.count) bytes); the answer is not judged"
            add(slug, FuzzCase(family: .body, writes: [f], close: .fin, expected: checked ? [body] : [], note: note))
        }
    }

    // MARK: - confusion

    mutating func confusion() {
        guard width > 0 else { return }
        let text: [(String, [UInt8], String)] = [
            ("unframed-text", Array("hello\n".utf8), "unframed text"),
            ("http", Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8), "an HTTP request"),
            ("tls", [0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03] + Builder.filler(32, 0), "the start of a TLS ClientHello"),
        ]
        for (slug, bytes, what) in text {
            let h = Array(bytes.prefix(width))
            let declared = spec.declaredLength(header: h) ?? 0
            add(slug, FuzzCase(family: .confusion, writes: [bytes], close: .fin,
                               note: "\(what) to a framed server: its first bytes \(hex(h)) read as a length of \(declared)"),
                closes: [.fin, .hold])
        }
        let body = Array("hello".utf8)
        let otherWidth = width == 2 ? 4 : 2
        var other = [UInt8]()
        for i in 0..<otherWidth { other.append(UInt8(truncatingIfNeeded: body.count >> ((otherWidth - 1 - i) * 8))) }
        add("wrong-width", FuzzCase(family: .confusion, writes: [other + body], close: .fin,
                                    note: "a \(otherWidth)-byte big-endian header to a \(width)-byte reader"),
            closes: [.fin, .hold])
        if width > 1, let f = frame(Builder.sixteen) {
            let swapped = Array(f.prefix(width).reversed()) + Array(f.dropFirst(width))
            add("wrong-order", FuzzCase(family: .confusion, writes: [swapped], close: .fin,
                                        note: "a 16-byte frame with its header in the other byte order (\(hex(Array(swapped.prefix(width)))))"),
                closes: [.fin, .hold])
        }
    }

    // MARK: - connection

    mutating func connections() {
        let half: [UInt8]
        if width > 0 {
            half = header(spec.field(declaring: 16)) + Array(Builder.sixteen.prefix(8))
        } else {
            half = Array("a line that never ends".utf8)
        }
        add("connect-close", FuzzCase(family: .connection, writes: [], close: .fin, note: "connect, send nothing, close"))
        add("connect-rst", FuzzCase(family: .connection, writes: [], close: .rst, note: "connect, send nothing, reset"))
        add("silent", FuzzCase(family: .connection, writes: [], close: .hold, note: "connect and say nothing (held open)"))
        add("rst-mid-frame", FuzzCase(family: .connection, writes: [half], close: .rst, note: "half a message, then an RST"))
        add("half-sent-many", FuzzCase(family: .connection, writes: [half], close: .hold, connections: 32,
                                       note: "32 connections at once, each with half a message, held open"))
    }

    // MARK: - udp

    mutating func datagrams() {
        add("empty-datagram", FuzzCase(family: .udp, writes: [[]], close: .none, note: "an empty datagram"))
        let body = Array("datagram".utf8)
        if width > 0 {
            let h = header(spec.field(declaring: 100))
            if spec.declaredLength(header: h) == 100 {
                add("header-over-datagram", FuzzCase(family: .udp, writes: [h + Array(body.prefix(8))], close: .none,
                                                     note: "a header declaring 100 in a datagram with 8 body bytes"))
            }
            let full = header(spec.field(declaring: Int64(body.count)))
            for k in stride(from: 1, to: width, by: 1) {
                add("datagram-cut-header", FuzzCase(family: .udp, writes: [Array(full.prefix(k))], close: .none,
                                                    note: "a datagram of \(k) header bytes only"))
            }
        }
        let largest = Builder.filler(65507 - width, 0x6c)
        if let f = spec.frameIgnoringLimit(largest), f.count <= 65507 {
            add("largest-datagram", FuzzCase(family: .udp, writes: [f], close: .none,
                                             expected: largest.count <= limit ? [largest] : [],
                                             note: "the largest UDP datagram over IPv4 (65,507 bytes)"))
        }
        var writes: [[UInt8]] = []
        var bodies: [[UInt8]] = []
        for i in 0..<100 {
            let b = Array("burst \(i)".utf8)
            if let f = frame(b) {
                writes.append(f)
                bodies.append(b)
            }
        }
        add("burst", FuzzCase(family: .udp, writes: writes, close: .none, expected: bodies, note: "100 valid datagrams back to back"))
    }

    // MARK: - line

    mutating func lines() {
        func l(_ s: String) -> [UInt8] { Array(s.utf8) }
        let long = Builder.filler(min(1500, max(0, limit)), 0x4c)
        add("long-line", FuzzCase(family: .line, writes: [long + [0x0A]], close: .fin, expected: [long],
                                  note: "a valid \(long.count)-byte line: more than the lesson's recv(1024)"))
        if limit + 1 <= 1 << 21 {
            add("line-over-limit", FuzzCase(family: .line, writes: [Builder.filler(limit + 1, 0x4c) + [0x0A]], close: .fin,
                                            note: "a line of limit+1 (\(limit + 1)) bytes"))
        }
        add("no-newline", FuzzCase(family: .line, writes: [l("no newline")], close: .fin, note: "text without a newline"),
            closes: [.fin, .hold])
        add("cr-only", FuzzCase(family: .line, writes: [l("carriage return\r")], close: .fin, note: "a line ended by CR only"),
            closes: [.fin, .hold])
        add("crlf", FuzzCase(family: .line, writes: [l("crlf line\r\n")], close: .fin, expected: [l("crlf line")],
                             note: "a line ended by CRLF"))
        add("nul", FuzzCase(family: .line, writes: [[0x61, 0x00, 0x62, 0x0A]], close: .fin, note: "a line holding a NUL byte; the answer is not judged"))
        add("invalid-utf8", FuzzCase(family: .line, writes: [[0xff, 0xfe, 0x0A]], close: .fin, note: "a line of invalid UTF-8; the answer is not judged"))
        add("cut-utf8", FuzzCase(family: .line, writes: [[0x61, 0xe4, 0xbd, 0x0A]], close: .fin, note: "a line ending inside a UTF-8 character"))
        add("empty-line", FuzzCase(family: .line, writes: [[0x0A]], close: .fin, note: "an empty line; the answer is not judged"))
        for count in [2, 1000] {
            let bodies = (0..<count).map { l("line \($0)") }
            add("lines-in-one-write", FuzzCase(family: .line, writes: [bodies.flatMap { $0 + [0x0A] }], close: .fin, expected: bodies,
                                               note: "\(count) lines in one write (sticky, 粘包)"))
        }
        let slow = l("one line over many writes")
        add("line-many-writes", FuzzCase(family: .line, writes: (slow + [0x0A]).map { [$0] }, close: .fin, gapMillis: 1,
                                         expected: [slow], note: "one line, one byte per write (拆包)"))
        for (slug, bytes) in [("quit", l("Q\n")), ("quit", l("q\n")), ("quit", l("Q\r\n")), ("quit-spaced", l(" Q\n")),
                              ("quit-double", l("QQ\n")), ("quit-no-newline", l("Q"))] {
            add(slug, FuzzCase(family: .line, writes: [bytes], close: .fin, note: "the quit command variant \(hex(bytes)); the answer is not judged"))
        }
        add("quit-split", FuzzCase(family: .line, writes: [l("Q"), l("\n")], close: .fin, gapMillis: 5, note: "Q and its newline in two writes"))
    }
}
