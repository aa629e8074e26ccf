// The fuzzer's unit of work: one case, described by its three recorded axes — the bytes, the
// write boundaries, the close mode — and what a correct server answers on the case's own
// connection. Pure values: the catalogue builds them, the driver plays them.

/// A case family: the report's `family` and `--families` names (docs/DESIGN.md "Fuzzer").
public enum Family: String, CaseIterable, Sendable, Hashable, Comparable {
    case boundaryLength = "boundary_length"
    case relativeLength = "relative_length"
    case truncatedHeader = "truncated_header"
    case writeBoundaries = "write_boundaries"
    case body
    case confusion
    case connection
    case udp
    case line
    case mutation

    public static func < (a: Family, b: Family) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// One line for `fuzz --help` and the README.
    public var summary: String {
        switch self {
        case .boundaryLength: return "declared lengths at the edges: 0, 1, limit-1/limit/limit+1, 2^7, 2^8, 2^15±1, 2^16±1, 2^31-1, 2^31, 2^32-1, negatives, all-ones, byte-swapped, off by the header size"
        case .relativeLength: return "a 16-byte body declared as body-1, body, body+1, body+k, or far shorter (the rest is read as the next header), each with every close mode"
        case .truncatedHeader: return "the header cut to 1..width-1 bytes, or a header with no body, then close / hold"
        case .writeBoundaries: return "valid frames cut oddly: one byte per write, the header split at every offset, 2, 3 and 5,000 frames in one write, one frame over many writes, a slow sender"
        case .body: return "valid headers with odd bodies: empty, NUL-filled, invalid UTF-8, exactly at the limit"
        case .confusion: return "the wrong protocol: unframed text, HTTP, TLS, a 2-byte header to a 4-byte reader, the other byte order"
        case .connection: return "connect and close, connect and RST, RST mid-frame, silent hold, many half-sent frames at once"
        case .udp: return "datagrams: empty, header larger than the datagram, truncated header, the largest datagram, bursts"
        case .line: return "text lines (--framing line): 1,024+ bytes, no newline then close/hold, CR only, CRLF, NUL, invalid UTF-8, many lines in one write, one line over many writes, Q variants"
        case .mutation: return "seeded random mutation of small valid frames: bit flips, arithmetic and interesting values in the header (both byte orders), truncation, splicing, odd write splits"
        }
    }
}

/// How a case's connection ends.
public enum CloseMode: String, Sendable, Hashable, CaseIterable {
    /// `close()`: a FIN.
    case fin
    /// `shutdown(SHUT_WR)`: a FIN, then the fuzzer reads until the server closes its side.
    case halfClose = "half_close"
    /// Held open for the run's hold time (the server is probed meanwhile), then a FIN.
    case hold
    /// `SO_LINGER` 0, then `close()`: an RST.
    case rst
    /// UDP: nothing to close.
    case none
}

/// One fuzz case.
public struct FuzzCase: Sendable, Hashable {
    /// Stable within a catalogue: `slug/n` (`neg-len/3`).
    public var id: String
    public var family: Family
    /// What each `send` carries, in order: the write boundaries are part of the case.
    public var writes: [[UInt8]]
    public var close: CloseMode
    /// Pause between writes, in milliseconds (the slow sender); 0 for back to back.
    public var gapMillis: Int
    /// The same writes on this many connections at once, all held (bounded half-sent frames).
    public var connections: Int
    /// Bodies of the valid messages inside the case, in order, which a correct server answers on
    /// the case's own connection (empty: the answers are not judged, only the server's health).
    public var expected: [[UInt8]]
    /// What the case is, for people: `declares 2147483647 (2^31-1), sends 16 bytes`.
    public var note: String

    public init(id: String = "", family: Family, writes: [[UInt8]], close: CloseMode, gapMillis: Int = 0,
                connections: Int = 1, expected: [[UInt8]] = [], note: String) {
        self.id = id
        self.family = family
        self.writes = writes
        self.close = close
        self.gapMillis = gapMillis
        self.connections = connections
        self.expected = expected
        self.note = note
    }

    /// All the bytes sent on one connection.
    public var bytes: [UInt8] { writes.flatMap { $0 } }

    /// A case that must run alone: it holds connections open to see whether others are served
    /// meanwhile, or opens many connections.
    public var exclusive: Bool { close == .hold || connections > 1 }

    /// The writes in hex, one string each (the report's `writes_hex`).
    public var writesHex: [String] { writes.map(hex) }
}

/// Lower-case hex of `bytes`.
public func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// SplitMix64 (Steele, Lea, Flood 2014): the fuzzer's seeded generator, so one seed gives one
/// case list on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
