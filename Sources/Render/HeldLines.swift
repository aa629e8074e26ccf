import Framing
import Inspect
import Streams

// `messages` lines held for stream order, kept small: a message of a later stream waits as a
// compact record of what its line shows (under half the line's bytes on a chat capture), and
// its line is rendered when it is released, straight into the output — so the held bytes, which
// no cache holds by the time they are released, are fewer to write, to keep and to read back.
//
// A record, its fields at fixed places (unaligned, little-endian), is one of:
//   compact: four bytes: the flags (`Flag`, `compact` set), the length of the body's shown
//            part (what the line quotes: at most `MessageLines.quotedLimit` characters), the
//            format's number in `formats`, and `Count`'s bits; the stream and the message index
//            (32 bits each); then as `Count` and the flags tell: the body's whole length when
//            the line cuts it, the header value unless it is that length, the declared length
//            when it differs from it (32 bits, signed), the frames and the sticky frames (32
//            bits each); then the body's shown part;
//   a line:  0, three unused bytes, the line's length (32 bits), then the rendered line: a
//            message the compact form does not cover (problems, more than three frames or
//            sticky frames, numbers past 32 bits).
// Records are only ever read back in the order and with the bytes they were written (in
// pieces that may cut a record anywhere: `release` keeps the cut part until the rest comes),
// by the `HeldLines` that wrote them.

public final class HeldLines {
    struct Flag {
        static let compact: UInt8 = 1
        static let serverToClient: UInt8 = 2
        static let udp: UInt8 = 4
        static let valid: UInt8 = 8
        static let guessed: UInt8 = 16
        static let provisional: UInt8 = 32
        static let header: UInt8 = 64
        static let declared: UInt8 = 128
    }

    /// The fourth byte of a compact record.
    struct Count {
        /// The frame count (bits 0-1), the sticky frame count (bits 2-3).
        static let frames: UInt32 = 0x3
        static let stickyShift: UInt32 = 2
        /// The sticky frames are the frames (not kept twice).
        static let stickyIsFrames: UInt32 = 0x10
        /// The line cuts the body: its whole length is kept.
        static let cut: UInt32 = 0x20
        /// The header value is the body's length (not kept).
        static let headerIsBody: UInt32 = 0x80
    }

    /// The formats seen, numbered in the order they came (at most 255: then lines are kept).
    @exclusivity(unchecked) var formats: [String] = []
    /// Their bytes, by number, for rendering (kept until the holder goes).
    let formatBytes = UnsafeMutablePointer<UnsafeMutableBufferPointer<UInt8>>.allocate(capacity: 255)
    /// The format of the last record measured (`compactCount`), and its number.
    @exclusivity(unchecked) var lastFormat = ""
    @exclusivity(unchecked) var lastFormatNumber = -1
    /// The shown part of the body of the last record measured.
    @exclusivity(unchecked) var shown = 0
    /// The start of a record cut at the end of a piece, until the rest comes.
    @exclusivity(unchecked) var carry: [UInt8] = []

    public init() {}

    deinit {
        for i in 0 ..< formats.count { formatBytes[i].deallocate() }
        formatBytes.deallocate()
    }

    /// The number of `format` in `formats` (added when new); nil when the table is full.
    @inline(__always)
    func number(_ format: String) -> Int? {
        if lastFormatNumber >= 0, format == lastFormat { return lastFormatNumber }
        return newNumber(format)
    }

    @inline(never)
    func newNumber(_ format: String) -> Int? {
        var n = formats.firstIndex(of: format)
        if n == nil, formats.count < 255 {
            n = formats.count
            formats.append(format)
            let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: format.utf8.count)
            _ = bytes.initialize(from: format.utf8)
            formatBytes[n!] = bytes
        }
        if let n {
            lastFormat = format
            lastFormatNumber = n
        }
        return n
    }

    /// The length of `m`'s compact record; 0 when the compact form does not cover `m` (then
    /// `holdLine`). Write the record with `writeCompact`, before measuring another message.
    @inline(__always)
    public func compactCount(_ m: ChatMessage) -> Int {
        // The message's fields read where they are (a copy of `m.message` costs retains).
        let body = m.message.body.count
        let frames = m.frames.count, sticky = m.stickyFrames.count
        guard m.message.problems.isEmpty, frames <= 3, sticky <= 3, UInt32(exactly: body) != nil,
              UInt32(exactly: m.stream) != nil, UInt32(exactly: m.message.index) != nil, number(m.format) != nil else { return 0 }
        for i in m.frames where UInt32(exactly: i) == nil { return 0 }
        shown = body <= MessageLines.quotedLimit ? body : m.message.body.withUnsafeBytes {
            MessageLines.quotedCut($0, limit: MessageLines.quotedLimit, valid: m.message.isValidUTF8)
        }
        if shown > 255 { return 0 }
        var n = 12 &+ shown &+ 4 &* frames
        if shown != body { n &+= 4 }
        if m.stickyFrames != m.frames {
            for i in m.stickyFrames where UInt32(exactly: i) == nil { return 0 }
            n &+= 4 &* sticky
        }
        if let v = m.message.headerValue, v != Int64(body) {
            guard Int32(exactly: v) != nil else { return 0 }
            n &+= 4
        }
        if let d = m.message.declaredLength, d != body {
            guard Int32(exactly: d) != nil else { return 0 }
            n &+= 4
        }
        return n
    }

    /// The compact record of `m` at `r` (`compactCount` bytes, just measured).
    @inline(__always)
    public func writeCompact(_ m: ChatMessage, at r: UnsafeMutableRawPointer) {
        let body = m.message.body.count
        var flags = Flag.compact
        if m.direction == .serverToClient { flags |= Flag.serverToClient }
        if m.transport == .udp { flags |= Flag.udp }
        if m.message.isValidUTF8 { flags |= Flag.valid }
        if m.guessed { flags |= Flag.guessed }
        if m.provisional { flags |= Flag.provisional }
        var at = 12
        var count = UInt32(m.frames.count) | UInt32(m.stickyFrames.count) << Count.stickyShift
        if shown != body {
            count |= Count.cut
            r.storeBytes(of: UInt32(truncatingIfNeeded: body), toByteOffset: at, as: UInt32.self)
            at &+= 4
        }
        if let v = m.message.headerValue {
            flags |= Flag.header
            if v == Int64(body) {
                count |= Count.headerIsBody
            } else {
                r.storeBytes(of: Int32(truncatingIfNeeded: v), toByteOffset: at, as: Int32.self)
                at &+= 4
            }
        }
        if let d = m.message.declaredLength, d != body {
            flags |= Flag.declared
            r.storeBytes(of: Int32(truncatingIfNeeded: d), toByteOffset: at, as: Int32.self)
            at &+= 4
        }
        for n in m.frames {
            r.storeBytes(of: UInt32(truncatingIfNeeded: n), toByteOffset: at, as: UInt32.self)
            at &+= 4
        }
        if m.stickyFrames == m.frames {
            count |= Count.stickyIsFrames
        } else {
            for n in m.stickyFrames {
                r.storeBytes(of: UInt32(truncatingIfNeeded: n), toByteOffset: at, as: UInt32.self)
                at &+= 4
            }
        }
        r.storeBytes(of: UInt32(flags) | UInt32(shown) << 8 | UInt32(lastFormatNumber) << 16 | count << 24, as: UInt32.self)
        r.storeBytes(of: UInt32(truncatingIfNeeded: m.stream), toByteOffset: 4, as: UInt32.self)
        r.storeBytes(of: UInt32(truncatingIfNeeded: m.message.index), toByteOffset: 8, as: UInt32.self)
        if shown > 0 { m.message.body.withUnsafeBytes { (r + at).copyMemory(from: $0.baseAddress!, byteCount: shown) } }
    }

    /// The record of `m`'s rendered line at the end of `out` (a message `compactCount` does not
    /// cover); `spare` is scratch space the line is rendered in first.
    public func holdLine(_ m: ChatMessage, style: TextStyle, into out: ByteSink, spare: ByteSink) {
        spare.removeAll()
        MessageLines.line(m, style: style, into: spare)
        spare.withBytes { line in
            out.writing(upTo: 8 + line.count) { start in
                let r = UnsafeMutableRawPointer(start)
                r.storeBytes(of: 0, as: UInt32.self)
                r.storeBytes(of: UInt32(truncatingIfNeeded: line.count), toByteOffset: 4, as: UInt32.self)
                (r + 8).copyMemory(from: line.baseAddress!, byteCount: line.count)
                return start + 8 + line.count
            }
        }
    }

    /// Renders the records in `piece` (held bytes, released in order) into `out`; a record cut
    /// at the end of the piece waits for the next.
    public func release(_ piece: UnsafeRawBufferPointer, into out: ByteSink) {
        guard var p = piece.baseAddress else { return }
        let end = p + piece.count
        if !carry.isEmpty {
            // The rest of the cut record, a byte at a time until its length is known.
            while p < end {
                let need = carry.withUnsafeBytes { Self.recordLength($0.baseAddress!, $0.baseAddress! + $0.count) }
                let take = need.map { min($0 - carry.count, end - p) } ?? 1
                carry.append(contentsOf: UnsafeRawBufferPointer(start: p, count: take))
                p += take
                if let need, carry.count == need {
                    carry.withUnsafeBytes { render($0.baseAddress!, into: out) }
                    carry.removeAll(keepingCapacity: true)
                    break
                }
            }
        }
        while let n = Self.recordLength(p, end), n <= end - p {
            render(p, into: out)
            p += n
        }
        if p < end { carry.append(contentsOf: UnsafeRawBufferPointer(start: p, count: end - p)) }
    }

    /// The length of the record at `p`, or nil when its fixed fields are not all before `end`.
    @inline(__always)
    static func recordLength(_ p: UnsafeRawPointer, _ end: UnsafeRawPointer) -> Int? {
        guard end - p >= 4 else { return nil }
        let head = p.loadUnaligned(as: UInt32.self)
        guard head & UInt32(Flag.compact) != 0 else {
            guard end - p >= 8 else { return nil }
            return 8 &+ Int(p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        }
        let flags = UInt8(truncatingIfNeeded: head), count = head >> 24
        var n = 12 &+ Int(head >> 8 & 0xff) &+ 4 &* Int(count & Count.frames)
        if count & Count.stickyIsFrames == 0 { n &+= 4 &* Int(count >> Count.stickyShift & Count.frames) }
        if count & Count.cut != 0 { n &+= 4 }
        if flags & Flag.header != 0 && count & Count.headerIsBody == 0 { n &+= 4 }
        if flags & Flag.declared != 0 { n &+= 4 }
        return n
    }

    /// The line of the whole record at `r`.
    @inline(__always)
    func render(_ r: UnsafeRawPointer, into out: ByteSink) {
        let head = r.loadUnaligned(as: UInt32.self)
        let flags = UInt8(truncatingIfNeeded: head), count = head >> 24
        guard flags & Flag.compact != 0 else {
            out.append(UnsafeRawBufferPointer(start: r + 8, count: Int(r.loadUnaligned(fromByteOffset: 4, as: UInt32.self))))
            return
        }
        let shown = Int(head >> 8 & 0xff)
        var at = 12
        var body = shown
        if count & Count.cut != 0 {
            body = Int(r.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            at &+= 4
        }
        var header: Int64?
        if flags & Flag.header != 0 {
            if count & Count.headerIsBody != 0 {
                header = Int64(body)
            } else {
                header = Int64(r.loadUnaligned(fromByteOffset: at, as: Int32.self))
                at &+= 4
            }
        }
        var declared: Int?
        if flags & Flag.declared != 0 {
            declared = Int(r.loadUnaligned(fromByteOffset: at, as: Int32.self))
            at &+= 4
        }
        var frames = FrameList()
        for _ in 0 ..< Int(count & Count.frames) {
            frames.append(Int(r.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            at &+= 4
        }
        var sticky = FrameList()
        if count & Count.stickyIsFrames != 0 {
            sticky = frames
        } else {
            for _ in 0 ..< Int(count >> Count.stickyShift & Count.frames) {
                sticky.append(Int(r.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                at &+= 4
            }
        }
        let fields = MessageLines.LineFields(
            udp: flags & Flag.udp != 0, stream: Int(r.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
            direction: flags & Flag.serverToClient != 0 ? .serverToClient : .clientToServer,
            index: Int(r.loadUnaligned(fromByteOffset: 8, as: UInt32.self)), body: UnsafeRawBufferPointer(start: r + at, count: shown),
            bodyCount: body, valid: flags & Flag.valid != 0, declaredLength: declared,
            format: UnsafeBufferPointer(formatBytes[Int(head >> 16 & 0xff)]), headerValue: header,
            headerRawValue: nil, guessed: flags & Flag.guessed != 0, provisional: flags & Flag.provisional != 0)
        MessageLines.line(fields, frames: frames, sticky: sticky, problems: [], style: .plain, into: out)
    }
}
