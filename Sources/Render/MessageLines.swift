import Framing
import Inspect
import Streams
import Wire

// `framescope messages`: one line (or one JSON object) per application message.
//
//   stream 0 client→server #3 !I 5 bytes frames 8,9 "hello" (split over 2 frames)
//   {"stream":0,"direction":"client_to_server","index":3,"length":5,"text":"hello","hex":"68656c6c6f",
//    "complete":true,"frames":[8,9],"header":{"format":"!I","value":5},"issues":[]}

public enum MessageLines {
    /// docs/DESIGN.md "Messages JSON". `text` only when the body is valid UTF-8; `hex` always;
    /// `length` is the declared length (length framing) or the body's length (line, raw).
    public static func json(_ m: ChatMessage, into out: ByteSink) {
        let f = m.message
        // Written through a pointer in pieces, each with one capacity check for its longest
        // text, as `line` is.
        out.writing(upTo: 160) { p in
            var p = put(m.stream, at: put("{\"stream\":", at: p))
            if m.transport == .udp { p = put(",\"transport\":\"udp\"", at: p) }
            p = put(m.direction == .clientToServer ? ",\"direction\":\"client_to_server\",\"index\":"
                                                   : ",\"direction\":\"server_to_client\",\"index\":", at: p)
            p = put(f.index, at: p)
            return put(f.declaredLength ?? f.body.count, at: put(",\"length\":", at: p))
        }
        if f.isValidUTF8 {
            out.write(",\"text\":")
            out.jsonUTF8(f.body)
        }
        let frames = m.frames
        out.writing(upTo: 2 * f.body.count + 64 + 21 * frames.count) { p in
            var p = hex(f.body, at: put(",\"hex\":\"", at: p))
            p = put(f.complete ? "\",\"complete\":true,\"frames\":[" : "\",\"complete\":false,\"frames\":[", at: p)
            for (i, n) in frames.enumerated() {
                if i > 0 {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                }
                p = put(n, at: p)
            }
            p.pointee = UInt8(ascii: "]")
            return p + 1
        }
        if let value = f.headerValue {
            out.write(",\"header\":{\"format\":")
            out.jsonString(m.format)
            out.writing(upTo: 64) { p in
                var p = put(",\"value\":", at: p)
                if value == Int64.max, let bits = f.headerRawValue, bits > UInt64(Int64.max) {
                    p = ByteSink.decimal(bits, at: p)
                } else {
                    p = put(Int(value), at: p)
                }
                if m.guessed { p = put(",\"guessed\":true", at: p) }
                p.pointee = UInt8(ascii: "}")
                return p + 1
            }
        }
        if m.provisional { out.write(",\"provisional\":true") }
        if f.problems.isEmpty {
            out.write(",\"issues\":[]}\n")
            return
        }
        out.write(",\"issues\":")
        out.jsonNames(f.problems) { $0.rawValue }
        out.write("}\n")
    }

    /// Every byte of `bytes` as two lowercase hex digits at `p` (room is the caller's); returns
    /// the byte after. Eight bytes at a time, as two words of four (`hexWord`).
    @inline(__always)
    static func hex(_ bytes: [UInt8], at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        bytes.withUnsafeBufferPointer { b in
            var p = UnsafeMutableRawPointer(start)
            let n = b.count
            var i = 0
            if let raw = UnsafeRawPointer(b.baseAddress) {
                while i &+ 8 <= n {
                    let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
                    p.storeBytes(of: hexWord(UInt32(truncatingIfNeeded: v)).littleEndian, as: UInt64.self)
                    (p + 8).storeBytes(of: hexWord(UInt32(truncatingIfNeeded: v &>> 32)).littleEndian, as: UInt64.self)
                    p += 16
                    i &+= 8
                }
                if i &+ 4 <= n {
                    let v = raw.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian
                    p.storeBytes(of: hexWord(v).littleEndian, as: UInt64.self)
                    p += 8
                    i &+= 4
                }
            }
            var q = p.assumingMemoryBound(to: UInt8.self)
            let table = hexDigits.utf8Start
            while i < n {
                let x = b[i]
                q[0] = table[Int(x &>> 4)]
                q[1] = table[Int(x & 0xf)]
                q += 2
                i &+= 1
            }
            return q
        }
    }

    /// The eight hex digits of four bytes (the first in the low bits), the first byte's high
    /// nibble in the result's low byte: the nibbles spread one to a byte, then made digits with
    /// a carry test per byte (nibble + 6 reaches 16 exactly for a–f, which are 0x27 above where
    /// '0' + nibble would put them).
    @inline(__always)
    static func hexWord(_ x: UInt32) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        var v = UInt64(x)
        v = (v & 0xffff_0000) << 16 | v & 0xffff
        v = (v & 0x0000_ff00_0000_ff00) << 8 | v & 0x0000_00ff_0000_00ff
        let nibbles = (v >> 4) & 0x000f_000f_000f_000f | (v & 0x000f_000f_000f_000f) << 8
        let letters = ((nibbles &+ 6 &* ones) >> 4) & ones
        return nibbles &+ 0x30 &* ones &+ letters &* 0x27
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// True when none of the eight bytes of `w` needs escaping in a JSON string: no byte below
    /// 0x20, no quote, no backslash (bytes of multi-byte characters are copied as they are):
    /// `controlQuoteOrBackslash`, kept only for bytes whose high bit is clear.
    @inline(__always)
    static func plainJSON(_ w: UInt64) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080
        return controlQuoteOrBackslash(w & ~high) & ~w & high == 0
    }

    /// For the eight bytes of `a`, whose high bits are clear: the high bit of every byte below
    /// 0x20, every quote and every backslash is set (the other bits mean nothing). Adding a
    /// constant below 0x80 to a byte carries into its own high bit and never into the next
    /// byte: `b + 0x60` reaches it exactly when b >= 0x20, `(b ^ c) + 0x7f` unless b == c.
    @inline(__always)
    static func controlQuoteOrBackslash(_ a: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        return ~(a &+ 0x60 &* ones) | ~((a ^ (0x22 &* ones)) &+ 0x7f &* ones) | ~((a ^ (0x5c &* ones)) &+ 0x7f &* ones)
    }

    /// One readable line:
    ///
    ///   stream 0 client→server #2 "one" (3 bytes, !I header 3, frame 6; sticky: frame 6 also carries another message)
    public static func line(_ m: ChatMessage, style: TextStyle = .plain, into out: ByteSink) {
        let f = m.message
        var format = m.format
        format.withUTF8 { format in
            f.body.withUnsafeBytes { body in
                line(LineFields(udp: m.transport == .udp, stream: m.stream, direction: m.direction, index: f.index, body: body,
                                bodyCount: body.count, valid: f.isValidUTF8, declaredLength: f.declaredLength, format: format, headerValue: f.headerValue,
                                headerRawValue: f.headerRawValue, guessed: m.guessed, provisional: m.provisional),
                     frames: m.frames, sticky: m.stickyFrames, problems: f.problems, style: style, into: out)
            }
        }
    }

    /// The characters of the body a line shows.
    static let quotedLimit = 60

    /// What a line shows of a message besides its frame lists and problems, however the message
    /// is kept: a `ChatMessage`, or a record held for stream order (`HeldLines`).
    struct LineFields {
        var udp: Bool
        var stream: Int
        var direction: Direction
        var index: Int
        /// The body, or at least the part of it the line shows (`quotedCut`).
        var body: UnsafeRawBufferPointer
        /// The whole body's length.
        var bodyCount: Int
        var valid: Bool
        var declaredLength: Int?
        var format: UnsafeBufferPointer<UInt8>
        var headerValue: Int64?
        var headerRawValue: UInt64?
        var guessed: Bool
        var provisional: Bool
    }

    /// The line of `f`: the one renderer of `messages` lines, for messages and held records alike
    /// (one copy of it, called from both).
    @inline(never)
    static func line(_ f: LineFields, frames: FrameList, sticky: FrameList, problems: [FrameProblem],
                     style: TextStyle, into out: ByteSink) {
        // Written through a pointer, in two pieces around the body, each with one capacity check
        // for its longest possible text (numbers of up to 20 digits and a sign): this line is
        // printed once per message, so no Strings are built and no small piece checks on its own.
        // (Each literal on its own branch: a literal of known length is copied by a few moves,
        // where a choice between two went through memcpy.)
        out.writing(upTo: 80) { p in
            var p = f.udp ? put("udp ", at: p) : put("stream ", at: p)
            p = put(f.stream, at: p)
            p = f.direction == .clientToServer ? put(" client→server #", at: p) : put(" server→client #", at: p)
            p = put(f.index, at: p)
            p.pointee = UInt8(ascii: " ")
            return p + 1
        }
        quoted(f.body, limit: quotedLimit, valid: f.valid, count: f.bodyCount, into: out)
        let format = f.format
        out.writing(upTo: 192 + format.count + 21 * frames.count + 72 * sticky.count) { p in
            var p = put(" (", at: p)
            p = put(f.bodyCount, at: p)
            p = f.bodyCount == 1 ? put(" byte", at: p) : put(" bytes", at: p)
            if let d = f.declaredLength, d != f.bodyCount {
                p = put(d, at: put(" of ", at: p))
            }
            p = put(", ", at: p)
            // A few bytes (`!I`, `line`): a loop costs less than a call to memcpy.
            for b in format {
                p.pointee = b
                p += 1
            }
            if let value = f.headerValue {
                p = put(" header ", at: p)
                if value == Int64.max, let bits = f.headerRawValue, bits > UInt64(Int64.max) {
                    p = ByteSink.decimal(bits, at: p)
                } else {
                    p = put(Int(value), at: p)
                }
            }
            if f.provisional {
                p = put(" (guessed, provisional)", at: p)
            } else if f.guessed {
                p = put(" (guessed)", at: p)
            }
            if frames.isEmpty {
                p = put(", no bytes captured", at: p)
            } else {
                p = frames.count == 1 ? put(", frame ", at: p) : put(", frames ", at: p)
                for (i, n) in frames.enumerated() {
                    if i > 0 {
                        p.pointee = UInt8(ascii: ",")
                        p += 1
                    }
                    p = put(n, at: p)
                }
            }
            if frames.count > 1 {
                p = put(frames.count, at: put("; split over ", at: p))
                p = put(" frames", at: p)
            }
            for n in sticky {
                p = put(n, at: put("; sticky: frame ", at: p))
                p = put(" also carries another message", at: p)
            }
            p.pointee = UInt8(ascii: ")")
            return p + 1
        }
        // Nearly every message has no problems: tested here, without a call.
        if !problems.isEmpty { UpperLayers.problemList(problems, style: style, into: out) }
        out.byte(UInt8(ascii: "\n"))
    }

    /// `s` at `p` (room is the caller's); returns the byte after.
    @inline(__always)
    static func put(_ s: StaticString, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        p.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        return p + s.utf8CodeUnitCount
    }

    /// `value` in decimal at `p`, as `ByteSink.decimal` writes it (room for 21 bytes is the
    /// caller's); returns the byte after.
    @inline(__always)
    static func put(_ value: Int, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        guard value < 0 else { return ByteSink.decimal(UInt64(value), at: p) }
        p.pointee = UInt8(ascii: "-")
        return ByteSink.decimal(UInt64(value.magnitude), at: p + 1)
    }

    /// The body as text, escaped, cut at `limit` characters.
    public static func quoted(_ body: [UInt8], limit: Int) -> String {
        var s = "\""
        var n = 0
        var scalars = String(decoding: body, as: UTF8.self).unicodeScalars.makeIterator()
        let valid = String(validating: body, as: UTF8.self) != nil
        if valid {
            while let c = scalars.next() {
                if n >= limit { s += "…"; break }
                switch c {
                case "\n": s += "\\n"
                case "\r": s += "\\r"
                case "\t": s += "\\t"
                case "\"": s += "\\\""
                case "\\": s += "\\\\"
                default:
                    if c.value < 0x20 || c.value == 0x7f {
                        s += "\\x" + hex2(UInt8(c.value))
                    } else {
                        s.unicodeScalars.append(c)
                    }
                }
                n += 1
            }
        } else {
            for b in body {
                if n >= limit { s += "…"; break }
                if b >= 0x20 && b < 0x7f && b != 0x22 && b != 0x5c { s.unicodeScalars.append(Unicode.Scalar(b)) } else { s += "\\x" + hex2(b) }
                n += 1
            }
        }
        return s + "\""
    }

    static func hex2(_ b: UInt8) -> String {
        let d = Array("0123456789abcdef")
        return String([d[Int(b >> 4)], d[Int(b & 0xf)]])
    }
}
