// IPv4 (RFC 791) and IPv6 (RFC 8200 §4.5) fragment reassembly, before layer 4.
//
// Fragments of one datagram share a `FragmentKey` (source, destination, protocol, identification).
// Each fragment's bytes are copied into sorted, non-overlapping pieces; where fragments overlap the
// first copy wins (RFC 5722 tells IPv6 receivers to drop such datagrams; a capture tool shows what
// it can and keeps the first copy, as Linux does for IPv4). A datagram is complete when the last
// fragment (more = false) fixed its length and the pieces cover every byte up to it.
//
// Bounds: at most `maxDatagrams` datagrams in progress and `maxBytes` bytes buffered (payload plus
// a fixed charge per piece); beyond them the oldest datagram is dropped. A datagram that would end
// past 65535 bytes, or whose fragments disagree on its length, is dropped. A datagram not complete
// `timeoutSeconds` (capture time) after its first fragment is dropped. Every drop is reported with
// its reason through `takeDrops()`.

import Wire

public struct FragmentKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// IPv4 protocol field, or the IPv6 next header after the fragment header.
    public var protocolNumber: UInt8
    /// IPv4 identification (16 bits) or IPv6 fragment identification (32 bits).
    public var identification: UInt32

    public init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, identification: UInt32) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.identification = identification
    }
}

public struct ReassembledDatagram: Sendable, Hashable {
    /// The whole upper-layer payload.
    public var bytes: [UInt8]
    /// Frames of the fragments seen for it, ascending.
    public var frames: [Int]

    public init(bytes: [UInt8], frames: [Int]) {
        self.bytes = bytes
        self.frames = frames
    }
}

/// A datagram given up on, and why.
public struct FragmentDrop: Sendable, Hashable {
    public var key: FragmentKey
    /// Frames of the fragments that were held for it, ascending.
    public var frames: [Int]
    public var reason: String

    public init(key: FragmentKey, frames: [Int], reason: String) {
        self.key = key
        self.frames = frames
        self.reason = reason
    }
}

public final class FragmentReassembler {
    public let maxDatagrams: Int
    public let maxBytes: Int
    public let timeoutSeconds: Int64
    /// Largest IP datagram payload.
    public static let maxDatagramLength = 65535
    /// Bookkeeping charge per buffered piece, in bytes.
    public static let pieceOverhead = 64
    /// Bookkeeping charge per frame remembered for a datagram, in bytes.
    static let frameOverhead = 16
    /// Drop reports kept until `takeDrops()`; older ones beyond this are counted, not kept.
    public static let maxDropReports = 1024

    private struct Fragment {
        var start: Int
        var bytes: [UInt8]
        var end: Int { start + bytes.count }
    }

    private struct Datagram {
        var pieces: [Fragment] = []
        var frames: [Int] = []
        /// Known once the last fragment arrived.
        var total: Int? = nil
        var covered = 0
        var cost = 0
        var firstSeen: Int64
        var serial: Int
    }

    private var datagrams: [FragmentKey: Datagram] = [:]
    /// Keys in order of their first fragment (capture time order), with the serial that was
    /// current then: entries whose datagram is gone or was recreated are skipped lazily.
    private var order: [(key: FragmentKey, serial: Int)] = []
    private var orderHead = 0
    private var nextSerial = 0
    private var now: Int64 = .min
    private var drops: [FragmentDrop] = []
    /// Drop reports discarded because `maxDropReports` were already waiting.
    public private(set) var unreportedDrops = 0
    public private(set) var bufferedBytes = 0

    public init(maxDatagrams: Int = 1024, maxBytes: Int = 16 << 20, timeoutSeconds: Int64 = 30) {
        self.maxDatagrams = max(1, maxDatagrams)
        self.maxBytes = maxBytes
        self.timeoutSeconds = timeoutSeconds
    }

    /// Datagrams in progress.
    public var pendingDatagrams: Int { datagrams.count }

    /// Datagrams dropped since the last call, with their reasons.
    public func takeDrops() -> [FragmentDrop] {
        if drops.isEmpty { return [] }
        let out = drops
        drops = []
        return out
    }

    /// Adds one fragment (`offset` in bytes, `more` = the MF flag / M bit; `bytes` is its payload,
    /// valid during the call only). Returns the datagram when this fragment completes it.
    public func add(
        key: FragmentKey, offset: Int, more: Bool, bytes: UnsafeRawBufferPointer, frame: Int, time: Timestamp
    ) -> ReassembledDatagram? {
        if time.seconds > now { now = time.seconds }
        expire()

        let (end, overflow) = offset.addingReportingOverflow(bytes.count)
        if offset < 0 || overflow || end > Self.maxDatagramLength {
            var frames = datagrams[key]?.frames ?? []
            frames.append(frame)
            drop(key, frames: frames, reason: "fragment at offset \(offset) with \(bytes.count) bytes ends past \(Self.maxDatagramLength) bytes")
            return nil
        }

        if datagrams[key] == nil {
            while datagrams.count >= maxDatagrams, let oldest = oldestKey() {
                drop(oldest, reason: "more than \(maxDatagrams) datagrams in reassembly: dropped the oldest")
            }
            datagrams[key] = Datagram(firstSeen: now, serial: nextSerial)
            order.append((key, nextSerial))
            nextSerial += 1
        }
        guard var d = datagrams[key] else { return nil }
        datagrams[key] = nil  // edit a unique copy, put it back below
        if d.frames.last != frame {
            d.frames.append(frame)
            d.cost += Self.frameOverhead
            bufferedBytes += Self.frameOverhead
        }

        if !more {
            if let total = d.total, total != end {
                datagrams[key] = d
                drop(key, reason: "fragments disagree on the datagram length (\(total) and \(end) bytes)")
                return nil
            }
            d.total = end
        }
        if let total = d.total, end > total || (d.pieces.last?.end ?? 0) > total {
            datagrams[key] = d
            drop(key, reason: "fragment data past the datagram length (\(total) bytes)")
            return nil
        }

        // Insert the parts no earlier fragment covers (first copy wins).
        var pos = offset
        var i = firstPiece(d.pieces, endingAfter: pos)
        while pos < end {
            if i < d.pieces.count && d.pieces[i].start <= pos {
                pos = min(d.pieces[i].end, end)
                i += 1
                continue
            }
            let holeEnd = i < d.pieces.count ? min(d.pieces[i].start, end) : end
            let piece = Fragment(
                start: pos, bytes: [UInt8](UnsafeRawBufferPointer(rebasing: bytes[(pos - offset) ..< (holeEnd - offset)])))
            d.pieces.insert(piece, at: i)
            d.covered += piece.bytes.count
            d.cost += piece.bytes.count + Self.pieceOverhead
            bufferedBytes += piece.bytes.count + Self.pieceOverhead
            i += 1
            pos = holeEnd
        }

        if let total = d.total, d.covered == total {
            bufferedBytes -= d.cost
            var out = [UInt8]()
            out.reserveCapacity(total)
            for p in d.pieces { out.append(contentsOf: p.bytes) }
            return ReassembledDatagram(bytes: out, frames: Self.sortedUnique(d.frames))
        }
        datagrams[key] = d

        // Memory: drop the oldest datagrams (this one last) until the total fits.
        while bufferedBytes > maxBytes, let oldest = oldestKey() {
            drop(oldest, reason: "fragment buffer limit (\(maxBytes) bytes) hit: dropped the oldest datagram")
        }
        return nil
    }

    private func firstPiece(_ pieces: [Fragment], endingAfter pos: Int) -> Int {
        var lo = 0, hi = pieces.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pieces[mid].end <= pos { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The datagram whose first fragment is oldest.
    private func oldestKey() -> FragmentKey? {
        while orderHead < order.count {
            let entry = order[orderHead]
            if let d = datagrams[entry.key], d.serial == entry.serial { return entry.key }
            orderHead += 1
        }
        compactOrder()
        return nil
    }

    private func expire() {
        while let key = oldestKey(), let d = datagrams[key] {
            let (age, overflow) = now.subtractingReportingOverflow(d.firstSeen)
            guard overflow || age > timeoutSeconds else { break }
            var missing = 0
            var pos = 0
            for p in d.pieces {
                missing += max(0, p.start - pos)
                pos = max(pos, p.end)
            }
            let tail = d.total.map { "\(missing + max(0, $0 - pos)) bytes missing" } ?? "\(missing) bytes missing before the last fragment's end, and the last fragment never came"
            drop(key, reason: "timed out after \(timeoutSeconds) s of capture time: \(tail)")
        }
        compactOrder()
    }

    private func compactOrder() {
        if orderHead > 64 && orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }

    private func drop(_ key: FragmentKey, frames: [Int]? = nil, reason: String) {
        let d = datagrams.removeValue(forKey: key)
        if let d { bufferedBytes -= d.cost }
        let report = FragmentDrop(key: key, frames: Self.sortedUnique(frames ?? d?.frames ?? []), reason: reason)
        if drops.count < Self.maxDropReports { drops.append(report) } else { unreportedDrops += 1 }
    }

    private static func sortedUnique(_ frames: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(frames.count)
        for f in frames.sorted() where out.last != f { out.append(f) }
        return out
    }
}
