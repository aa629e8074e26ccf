// The connection key: a 4-tuple with its two endpoints in a fixed order, so both directions of a
// connection find the same entry (gopacket's `FastHash` symmetry, Wireshark's conversation key).

import Wire

struct Endpoint: Hashable {
    var address: IPAddress
    var port: UInt16

    /// Address, then port. Two IPv4 endpoints (nearly every segment) are compared as one
    /// number, address above port: the same order, without the enum's generic comparisons.
    @inline(__always) static func precedes(_ a: Endpoint, _ b: Endpoint) -> Bool {
        if case .v4(let x) = a.address, case .v4(let y) = b.address {
            return UInt64(x.value) << 16 | UInt64(a.port) < UInt64(y.value) << 16 | UInt64(b.port)
        }
        return a.address == b.address ? a.port < b.port : a.address < b.address
    }

    /// The synthesized equality, written out so that it is inlined where the connection table
    /// compares keys and senders on every segment.
    @inline(__always) static func == (a: Endpoint, b: Endpoint) -> Bool {
        guard a.port == b.port else { return false }
        switch (a.address, b.address) {
        case (.v4(let x), .v4(let y)): return x.value == y.value
        case (.v6(let x), .v6(let y)): return x.high == y.high && x.low == y.low
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(address)
        hasher.combine(port)
    }
}

/// Normalised 4-tuple: `low` precedes `high` (address, then port).
struct FlowKey: Hashable {
    var low: Endpoint
    var high: Endpoint

    @inline(__always) init(_ a: Endpoint, _ b: Endpoint) {
        if Endpoint.precedes(b, a) {
            low = b
            high = a
        } else {
            low = a
            high = b
        }
    }

    /// Both endpoints equal (inlined, as `Endpoint`'s is).
    @inline(__always) static func == (a: FlowKey, b: FlowKey) -> Bool { a.low == b.low && a.high == b.high }

    /// Hashable for a `Dictionary` (the tests' model of `FlowIndex`): `==` compares the fields
    /// `mix` reads.
    func hash(into hasher: inout Hasher) {
        hasher.combine(Self.mix(self, seed: 0))
    }

    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        return hi ^ lo
    }

    @inline(__always)
    static func words(_ a: IPAddress) -> (UInt64, UInt64) {
        switch a {
        case .v4(let v): return (UInt64(v.value), 0x6a09_e667_f3bc_c909)
        case .v6(let v): return (v.high, v.low)
        }
    }

    /// What `FlowIndex` calls on every lookup: the key folded by full-width multiplies under the
    /// index's seed, instead of a `Hasher` (SipHash, whose finalisation cost more than the rest
    /// of the lookup). The seed is random per index and both operands of every multiply carry
    /// it (the second through `spread`, a secret of its own): an operand a capture could make 0
    /// would make the product 0 whatever the seed, and every key chosen so hash alike.
    @inline(__always)
    static func mix(_ k: FlowKey, seed: UInt64) -> UInt64 {
        let spread = (seed ^ 0x2d35_8dcc_aa6c_78a5) &* 0x9e37_79b9_7f4a_7c15
        let ports = UInt64(k.low.port) << 16 | UInt64(k.high.port)
        switch (k.low.address, k.high.address) {
        case (.v4(let a), .v4(let b)):
            let h = fold(UInt64(a.value) << 32 ^ UInt64(b.value) ^ seed ^ 0xa076_1d64_78bd_642f, ports ^ spread ^ 0xe703_7ed1_a0b4_28db)
            return fold(h ^ 0x8ebc_6af0_9c88_c6e3, seed ^ 0x5899_65cc_7537_4cc3)
        default:
            let (a0, a1) = words(k.low.address), (b0, b1) = words(k.high.address)
            var h = fold(a0 ^ seed ^ 0xa076_1d64_78bd_642f, a1 ^ spread ^ 0xe703_7ed1_a0b4_28db)
            h = fold(h ^ b0 ^ 0x8ebc_6af0_9c88_c6e3, b1 ^ spread ^ 0x5899_65cc_7537_4cc3)
            return fold(h ^ ports ^ 0x1d8e_4e27_c47d_124f, seed ^ 0xa076_1d64_78bd_642f)
        }
    }
}
