// The reader's pcapng half: section headers, interface descriptions (link type, snaplen,
// timestamp resolution and offset), and the packet blocks (EPB, SPB, the obsolete PB).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Wire

extension PcapFileReader {
    // MARK: - pcapng blocks

    /// Timestamp resolution of one pcapng interface (if_tsresol).
    enum Resolution {
        case decimal(Int)  // units of 10^-n seconds, n ≤ 19
        case binary(Int)  // units of 2^-n seconds, n ≤ 63
    }

    /// One Interface Description Block of the current section.
    struct Interface {
        var linkType: LinkType
        var snaplen: Int
        var resolution: Resolution = .decimal(6)
        var offsetSeconds: Int64 = 0  // if_tsoffset
        var fractionDigits: UInt8 = 6
    }

    static let powersOfTen: [UInt64] = (0...19).reduce(into: []) { list, n in
        list.append(n == 0 ? 1 : list[n - 1] * 10)
    }

    static let interfaceDescriptionType: UInt32 = 1
    static let obsoletePacketType: UInt32 = 2
    static let simplePacketType: UInt32 = 3
    static let enhancedPacketType: UInt32 = 6

    /// Processes blocks until a packet block yields a frame (returned) or the input ends (nil).
    /// With `stopAtFirstInterface` (used by init), it also stops after the first IDB, or before
    /// the first packet block, without consuming it.
    func nextPcapngBlock(stopAtFirstInterface: Bool) throws(PcapError) -> RawFrame? {
        while true {
            let frame = framesRead + 1
            let offset = byteOffset
            guard try ensure(12) else {
                if available == 0 { return nil }
                throw .truncated(
                    frame: frame, offset: offset,
                    reason: "block header needs at least 12 bytes, only \(available) present")
            }
            let type: UInt32
            if (buffer + head).loadUnaligned(as: UInt32.self) == Self.sectionHeaderType {
                type = Self.sectionHeaderType
                // The byte-order magic decides how to read everything in the new section.
                let bom = (buffer + head + 8).loadUnaligned(as: UInt32.self)
                switch bom {
                case 0x1A2B_3C4D: swapped = false
                case 0x4D3C_2B1A: swapped = true
                default:
                    throw .corrupt(
                        frame: frame, offset: offset,
                        reason: "section header byte-order magic 0x\(hex(bytesAsBigEndian(8), width: 8)) "
                            + "is neither 1a2b3c4d nor 4d3c2b1a")
                }
            } else {
                type = u32(0)
            }
            let lengthField = u32(4)
            let length = Int(lengthField)
            guard length % 4 == 0, length >= 12 else {
                throw .corrupt(
                    frame: frame, offset: offset,
                    reason: "block type 0x\(hex(type, width: 8)) total length \(lengthField) is "
                        + (length < 12 ? "below the minimum 12" : "not a multiple of 4"))
            }
            guard length <= Self.maximumBlockBytes else {
                throw .corrupt(
                    frame: frame, offset: offset,
                    reason: "block type 0x\(hex(type, width: 8)) total length \(lengthField) exceeds "
                        + "the maximum \(Self.maximumBlockBytes)")
            }
            if stopAtFirstInterface
                && (type == Self.enhancedPacketType || type == Self.simplePacketType
                    || type == Self.obsoletePacketType)
            {
                return nil  // a packet before any interface: next() will report it
            }
            guard try ensure(length) else {
                throw .truncated(
                    frame: frame, offset: offset,
                    reason: "block type 0x\(hex(type, width: 8)) claims \(length) bytes, only \(available) present")
            }
            let trailing = u32(length - 4)
            guard trailing == lengthField else {
                throw .corrupt(
                    frame: frame, offset: offset,
                    reason: "block type 0x\(hex(type, width: 8)) total length \(lengthField) at its start "
                        + "but \(trailing) at its end")
            }
            let bodyLength = length - 12
            switch type {
            case Self.sectionHeaderType:
                try readSectionHeader(bodyLength: bodyLength, frame: frame, offset: offset)
                consume(length)
            case Self.interfaceDescriptionType:
                guard interfaces.count < Self.maximumInterfaces else {
                    throw .corrupt(
                        frame: frame, offset: offset,
                        reason: "more than \(Self.maximumInterfaces) interface descriptions in one section")
                }
                let interface = try readInterfaceDescription(bodyLength: bodyLength, frame: frame, offset: offset)
                if !describedFirstInterface {
                    describedFirstInterface = true
                    linkType = interface.linkType
                    snaplen = interface.snaplen
                    nanosecondFile = interface.fractionDigits == 9
                }
                interfaces.append(interface)
                consume(length)
                if stopAtFirstInterface { return nil }
            case Self.enhancedPacketType, Self.obsoletePacketType:
                // EPB body: interface id u32, timestamp high u32, low u32, captured len u32,
                //           original len u32, data padded to 4, options.
                // PB body:  interface id u16, drops count u16, then the same as EPB.
                guard bodyLength >= 20 else {
                    throw .corrupt(frame: frame, offset: offset, reason: "packet block body of \(bodyLength) bytes is shorter than its 20-byte header")
                }
                let interfaceID = type == Self.enhancedPacketType ? Int(u32(8)) : Int(u16(8))
                let stamp = UInt64(u32(12)) << 32 | UInt64(u32(16))
                let captured = u32(20)
                let caplen = Int(captured)
                let original = Int(u32(24))
                guard caplen <= bodyLength - 20 else {
                    throw .corrupt(
                        frame: frame, offset: offset,
                        reason: "captured length \(captured) exceeds the \(bodyLength - 20) data bytes of its block")
                }
                let interface = try interface(interfaceID, frame: frame, offset: offset)
                let timestamp = try convert(stamp, interface, frame: frame, offset: offset)
                let bytes = UnsafeRawBufferPointer(start: buffer + head + 28, count: caplen)
                consume(length)
                frameCount += 1
                return RawFrame(
                    timestamp: timestamp, len: original, linkType: interface.linkType,
                    interfaceIndex: interfaceID, bytes: bytes)
            case Self.simplePacketType:
                // SPB body: original len u32, data padded to 4. Interface 0, no timestamp.
                guard bodyLength >= 4 else {
                    throw .corrupt(frame: frame, offset: offset, reason: "simple packet block body of \(bodyLength) bytes has no length field")
                }
                let original = Int(u32(8))
                let interface = try interface(0, frame: frame, offset: offset)
                var caplen = min(original, bodyLength - 4)
                if interface.snaplen > 0 { caplen = min(caplen, interface.snaplen) }
                let bytes = UnsafeRawBufferPointer(start: buffer + head + 12, count: caplen)
                consume(length)
                frameCount += 1
                return RawFrame(
                    timestamp: Timestamp(seconds: 0, nanoseconds: 0, fractionDigits: interface.fractionDigits),
                    len: original, linkType: interface.linkType, interfaceIndex: 0, bytes: bytes)
            default:
                consume(length)  // NRB, ISB, DSB, custom and unknown blocks
            }
        }
    }

    @inline(__always)
    func interface(_ id: Int, frame: Int, offset: Int64) throws(PcapError) -> Interface {
        guard id < interfaces.count else {
            throw .corrupt(
                frame: frame, offset: offset,
                reason: "packet names interface \(id), but this section describes \(interfaces.count) interface(s)")
        }
        return interfaces[id]
    }

    // SHB body: byte-order magic u32, major u16, minor u16, section length i64, options.
    func readSectionHeader(bodyLength: Int, frame: Int, offset: Int64) throws(PcapError) {
        guard bodyLength >= 16 else {
            throw .corrupt(frame: frame, offset: offset, reason: "section header body of \(bodyLength) bytes is shorter than 16")
        }
        let major = Int(u16(12)), minor = Int(u16(14))
        guard major == 1 else { throw .unsupportedVersion(format: .pcapng, major: major, minor: minor) }
        interfaces.removeAll(keepingCapacity: true)
    }

    // IDB body: link type u16, reserved u16, snaplen u32, options. Options: code u16, length u16,
    // value padded to 4; 0 ends them. if_tsresol (9): 1 byte, MSB clear → 10^-n, set → 2^-n.
    // if_tsoffset (14): i64 seconds added to every timestamp.
    func readInterfaceDescription(bodyLength: Int, frame: Int, offset: Int64) throws(PcapError) -> Interface {
        guard bodyLength >= 8 else {
            throw .corrupt(frame: frame, offset: offset, reason: "interface description body of \(bodyLength) bytes is shorter than 8")
        }
        var interface = Interface(linkType: LinkType(rawValue: UInt32(u16(8))), snaplen: Int(u32(12)))
        var position = 8  // within the body
        while position + 4 <= bodyLength {
            let code = u16(8 + position), optionLength = Int(u16(8 + position + 2))
            if code == 0 { break }
            guard position + 4 + optionLength <= bodyLength else {
                throw .corrupt(
                    frame: frame, offset: offset,
                    reason: "interface option \(code) of \(optionLength) bytes runs past the end of its block")
            }
            let value = 8 + position + 4
            switch code {
            case 9 where optionLength >= 1:
                let raw = Int(buffer.load(fromByteOffset: head + value, as: UInt8.self))
                if raw & 0x80 != 0 {
                    let n = raw & 0x7F
                    guard n <= 63 else {
                        throw .corrupt(frame: frame, offset: offset, reason: "if_tsresol 2^-\(n) is finer than this reader supports (2^-63)")
                    }
                    interface.resolution = .binary(n)
                    interface.fractionDigits = n > 19 ? 9 : 6  // 2^-20 s is finer than 1 µs
                } else {
                    guard raw <= 19 else {
                        throw .corrupt(frame: frame, offset: offset, reason: "if_tsresol 10^-\(raw) is finer than this reader supports (10^-19)")
                    }
                    interface.resolution = .decimal(raw)
                    interface.fractionDigits = raw > 6 ? 9 : 6
                }
            case 14 where optionLength >= 8:
                let bits = (buffer + head + value).loadUnaligned(as: UInt64.self)
                interface.offsetSeconds = Int64(bitPattern: swapped ? bits.byteSwapped : bits)
            default:
                break
            }
            position += 4 + (optionLength + 3) & ~3
        }
        return interface
    }

    /// pcapng timestamp units → seconds and nanoseconds, plus if_tsoffset.
    @inline(__always)
    func convert(_ ticks: UInt64, _ interface: Interface, frame: Int, offset: Int64) throws(PcapError) -> Timestamp {
        let whole: UInt64
        let nanoseconds: UInt64
        switch interface.resolution {
        case .decimal(let n):
            let units = Self.powersOfTen[n]
            whole = ticks / units
            let part = ticks % units
            nanoseconds = n <= 9 ? part * Self.powersOfTen[9 - n] : part / Self.powersOfTen[n - 9]
        case .binary(let n):
            if n == 0 {
                whole = ticks
                nanoseconds = 0
            } else {
                whole = ticks >> UInt64(n)
                let part = ticks & ((1 << UInt64(n)) - 1)
                let product = part.multipliedFullWidth(by: 1_000_000_000)  // < 2^(n+30)
                nanoseconds = product.high << UInt64(64 - n) | product.low >> UInt64(n)
            }
        }
        guard let seconds = Int64(exactly: whole) else {
            throw .corrupt(frame: frame, offset: offset, reason: "timestamp \(ticks) is beyond the year 292 billion")
        }
        let (shifted, overflow) = seconds.addingReportingOverflow(interface.offsetSeconds)
        guard !overflow else {
            throw .corrupt(frame: frame, offset: offset, reason: "timestamp plus if_tsoffset \(interface.offsetSeconds) overflows")
        }
        return Timestamp(seconds: shifted, nanoseconds: UInt32(truncatingIfNeeded: nanoseconds), fractionDigits: interface.fractionDigits)
    }
}
