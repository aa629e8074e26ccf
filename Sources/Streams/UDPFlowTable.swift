import Streams
import Wire

/// UDP "conversations": datagrams grouped by their normalised 4-tuple, numbered in order of the
/// first datagram, whose sender counts as the client. Bounded: past `maxFlows` the least recently
/// seen tenth is forgotten (a flow seen again later gets a new index).
struct UDPFlowTable {
    struct Key: Hashable {
        var a: IPAddress, aPort: UInt16, b: IPAddress, bPort: UInt16
        init(_ s: IPAddress, _ sp: UInt16, _ d: IPAddress, _ dp: UInt16) {
            if (s, sp) < (d, dp) { (a, aPort, b, bPort) = (s, sp, d, dp) } else { (a, aPort, b, bPort) = (d, dp, s, sp) }
        }
    }

    struct Flow {
        var index: Int
        var client: IPAddress
        var clientPort: UInt16
        var serverPort: UInt16
        /// The frame of its last datagram.
        var last: Int
    }

    var maxFlows = 20_000
    private var flows: [Key: Flow] = [:]
    private var nextIndex = 0

    /// The flow of a datagram from `src:sp` to `dst:dp` seen in `frame`, its direction, and the
    /// flows forgotten to make room for it (empty nearly always).
    mutating func flow(src: IPAddress, sp: UInt16, dst: IPAddress, dp: UInt16, frame: Int)
        -> (flow: Flow, direction: Direction, forgotten: [Int])
    {
        let key = Key(src, sp, dst, dp)
        var forgotten: [Int] = []
        var flow: Flow
        if let f = flows[key] {
            flow = f
        } else {
            if flows.count >= maxFlows { forgotten = forgetOldest() }
            flow = Flow(index: nextIndex, client: src, clientPort: sp, serverPort: dp, last: frame)
            nextIndex += 1
        }
        flow.last = frame
        flows[key] = flow
        let direction: Direction = (src == flow.client && sp == flow.clientPort) ? .clientToServer : .serverToClient
        return (flow, direction, forgotten)
    }

    private mutating func forgetOldest() -> [Int] {
        let byAge = flows.sorted { $0.value.last < $1.value.last }
        var out: [Int] = []
        for (key, f) in byAge.prefix(max(1, flows.count / 10)) {
            flows[key] = nil
            out.append(f.index)
        }
        return out
    }
}
