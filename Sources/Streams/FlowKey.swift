// The connection key: a 4-tuple with its two endpoints in a fixed order, so both directions of a
// connection find the same entry (gopacket's `FastHash` symmetry, Wireshark's conversation key).

import Wire

struct Endpoint: Hashable {
    var address: IPAddress
    var port: UInt16

    @inline(__always) static func precedes(_ a: Endpoint, _ b: Endpoint) -> Bool {
        a.address == b.address ? a.port < b.port : a.address < b.address
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

    /// One combine of two words for the common IPv4 case (equal keys hash equally: `==` is the
    /// synthesized one over the same fields).
    func hash(into hasher: inout Hasher) {
        let ports = UInt32(low.port) << 16 | UInt32(high.port)
        switch (low.address, high.address) {
        case (.v4(let a), .v4(let b)):
            hasher.combine(UInt64(a.value) << 32 | UInt64(b.value))
            hasher.combine(ports)
        default:
            hasher.combine(low.address)
            hasher.combine(high.address)
            hasher.combine(ports)
        }
    }
}
