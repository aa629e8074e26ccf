import Framing

/// Seeded random mutation of small valid messages: case `n` depends only on the seed, the
/// options and `n`, so a run can be resumed or one case replayed without building the others.
struct Mutator: Sendable {
    let options: CatalogueOptions

    var spec: FrameSpec { options.spec }
    var width: Int { spec.headerWidth ?? 0 }

    /// Interesting field values, as in AFL's lists, plus the limit's edges.
    var interesting: [UInt64] {
        let l = UInt64(max(0, options.limit))
        return [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fff_ffff, 0x8000_0000,
                0xffff_ffff, .max, l &- 1, l, l &+ 1, UInt64(bitPattern: -1), UInt64(bitPattern: -2)]
    }

    /// Mutation `n`: of 1 to 3 small random valid messages, or (`base`, for `fuzz --from`) of
    /// one captured message as it was on the wire; `salt` tells bases apart.
    func mutation(_ n: Int, base: [UInt8]? = nil, salt: UInt64 = 0) -> FuzzCase {
        var rng = SeededGenerator(seed: options.seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9 ^ salt &* 0xD1B5_4A32_D192_ED03)
        _ = rng.next()
        // 1 to 3 valid messages of 0 to 24 printable bytes (about 20-byte frames).
        var messages: [[UInt8]] = []
        if base == nil {
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                messages.append((0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0x21...0x7e, using: &rng) })
            }
        }
        let frames = base.map { [$0] } ?? messages.map { encode($0) }
        var bytes = frames.flatMap { $0 }
        var done: [String] = []
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            done.append(mutate(&bytes, frames: frames, rng: &rng))
        }
        // Write boundaries: one write, or cut at one or two random points.
        var writes: [[UInt8]] = []
        if options.udp {
            writes = [Array(bytes.prefix(65507))]
        } else {
            var cuts = Set<Int>()
            if bytes.count > 1 {
                for _ in 0..<Int.random(in: 0...2, using: &rng) { cuts.insert(Int.random(in: 1..<bytes.count, using: &rng)) }
            }
            var start = 0
            for cut in cuts.sorted() {
                writes.append(Array(bytes[start..<cut]))
                start = cut
            }
            writes.append(Array(bytes[start...]))
        }
        let close: CloseMode
        if options.udp {
            close = .none
        } else {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<6: close = .fin
            case 6..<8: close = .halfClose
            default: close = .rst
            }
        }
        return FuzzCase(id: "mut/\(n)", family: .mutation, writes: writes, close: close,
                        note: (base == nil ? "\(messages.count) valid message(s), then: " : "mutated: ") + done.joined(separator: "; "))
    }

    func encode(_ body: [UInt8]) -> [UInt8] { spec.frameIgnoringLimit(body) ?? body }

    private func mutate(_ bytes: inout [UInt8], frames: [[UInt8]], rng: inout SeededGenerator) -> String {
        let choice = Int.random(in: 0..<8, using: &rng)
        switch choice {
        case 0 where !bytes.isEmpty:
            let i = Int.random(in: 0..<min(bytes.count, max(1, width)), using: &rng)
            let bit = Int.random(in: 0..<8, using: &rng)
            bytes[i] ^= 1 << bit
            return "bit \(bit) of byte \(i) flipped"
        case 1 where !bytes.isEmpty:
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            let v = UInt8.random(in: 0...255, using: &rng)
            bytes[i] = v
            return "byte \(i) set to \(v)"
        case 2 where width > 0 && bytes.count >= width:
            let field = readField(bytes)
            let delta = Int64.random(in: -35...35, using: &rng)
            replaceHeader(&bytes, with: UInt64(bitPattern: Int64(bitPattern: field) &+ delta))
            return "header \(delta >= 0 ? "+" : "")\(delta)"
        case 3 where width > 0 && bytes.count >= width:
            let value = interesting.randomElement(using: &rng) ?? 0
            let swap = Bool.random(using: &rng)
            replaceHeader(&bytes, with: swap ? spec.byteSwapped(value) : value)
            return "header set to \(swap ? "byte-swapped " : "")\(value & spec.fieldMask)"
        case 4 where bytes.count > 1:
            let keep = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeLast(bytes.count - keep)
            return "cut to \(keep) bytes"
        case 5:
            let other = frames.randomElement(using: &rng) ?? []
            let at = Int.random(in: 0...bytes.count, using: &rng)
            let take = Int.random(in: 0...other.count, using: &rng)
            bytes.insert(contentsOf: other.prefix(take), at: at)
            return "\(take) bytes of a valid frame spliced in at \(at)"
        case 6 where !bytes.isEmpty:
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            let len = Int.random(in: 1...min(16, bytes.count - start), using: &rng)
            bytes.insert(contentsOf: bytes[start..<start + len], at: start)
            return "bytes \(start)..<\(start + len) doubled"
        default:
            let special: [UInt8] = spec.kind == .line ? [0x0A, 0x0D, 0x00, 0xff, 0xc0, 0xe4] : [0x00, 0xff, 0x7f, 0x80]
            let at = Int.random(in: 0...bytes.count, using: &rng)
            let b = special.randomElement(using: &rng) ?? 0
            bytes.insert(b, at: at)
            return "byte \(b) inserted at \(at)"
        }
    }

    private func readField(_ bytes: [UInt8]) -> UInt64 {
        var s = spec
        s.lengthIncludesHeader = false
        return UInt64(bitPattern: s.declaredLength(header: bytes.prefix(width)) ?? 0)
    }

    private func replaceHeader(_ bytes: inout [UInt8], with field: UInt64) {
        guard let h = spec.header(field: field) else { return }
        bytes.replaceSubrange(0..<width, with: h)
    }
}
