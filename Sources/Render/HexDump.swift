import Wire

// `-x`: hex and ASCII, 16 bytes a line, each line ending with the layers that begin in it:
//
//   0000  00 00 00 00 00 00 00 00  00 00 00 00 08 00 45 00  ..............E.  eth@0 ipv4@14
//   0010  00 39 04 d2 40 00 40 06  00 00 7f 00 00 01 7f 00  .9..@.@.........
//   0020  00 01 23 28 b0 70 e7 d2  …                                         tcp@34

public enum HexDump {
    public static func render(_ bytes: UnsafeRawBufferPointer, layers: DecodedLayers, payload: Range<Int>? = nil,
                              style: TextStyle = .plain, into out: ByteSink) {
        var marks: [(Int, String)] = layers.filter { $0.proto != .data }.map { ($0.offset, $0.proto.rawValue) }
        if let p = payload, !p.isEmpty { marks.append((p.lowerBound, "payload")) }
        var line = 0
        while line < bytes.count {
            let end = min(line + 16, bytes.count)
            out.write("  ")
            out.hexByte(UInt8(truncatingIfNeeded: line >> 8))
            out.hexByte(UInt8(truncatingIfNeeded: line))
            out.write("  ")
            for i in line ..< line + 16 {
                if i == line + 8 { out.byte(UInt8(ascii: " ")) }
                if i < end {
                    out.hexByte(bytes[i])
                    out.byte(UInt8(ascii: " "))
                } else {
                    out.write("   ")
                }
            }
            out.byte(UInt8(ascii: " "))
            for i in line ..< line + 16 {
                if i < end {
                    let b = bytes[i]
                    out.byte(b >= 0x20 && b < 0x7f ? b : UInt8(ascii: "."))
                } else {
                    out.byte(UInt8(ascii: " "))
                }
            }
            let here = marks.filter { $0.0 >= line && $0.0 < end }
            if !here.isEmpty {
                out.write("  ")
                style.open(.dim, out)
                for (i, m) in here.enumerated() {
                    if i > 0 { out.byte(UInt8(ascii: " ")) }
                    out.write(m.1)
                    out.byte(UInt8(ascii: "@"))
                    out.decimal(m.0)
                }
                style.close(out)
            }
            out.byte(UInt8(ascii: "\n"))
            line += 16
        }
    }
}
