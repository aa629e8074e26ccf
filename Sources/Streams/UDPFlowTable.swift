import Wire

/// UDP "conversations": datagrams grouped by their 4-tuple (a `FlowKey`, the key of TCP's
/// connection table: both directions find the same entry), numbered in order of the first
/// datagram, whose sender counts as the client. Bounded: past `maxFlows` the least recently seen
/// tenth is forgotten (a flow seen again later gets a new index).
public struct UDPFlowTable {
    public struct Flow {
        public var index: Int
        public var client: IPAddress
        public var clientPort: UInt16
        public var serverPort: UInt16
        /// The frame of its last datagram.
        public var last: Int
    }

    public var maxFlows = 20_000
    private var flows: [FlowKey: Flow] = [:]
    private var nextIndex = 0

    public init() {}

    /// The flow of a datagram from `src:sp` to `dst:dp` seen in `frame`, its direction, and the
    /// flows forgotten to make room for it (empty nearly always).
    public mutating func flow(src: IPAddress, sp: UInt16, dst: IPAddress, dp: UInt16, frame: Int)
        -> (flow: Flow, direction: Direction, forgotten: [Int])
    {
        let key = FlowKey(Endpoint(address: src, port: sp), Endpoint(address: dst, port: dp))
        var forgotten: [Int] = []
        let flow: Flow
        if let i = flows.index(forKey: key) {
            // Updated where it is: one lookup.
            flows.values[i].last = frame
            flow = flows.values[i]
        } else {
            if flows.count >= maxFlows { forgotten = forgetOldest() }
            flow = Flow(index: nextIndex, client: src, clientPort: sp, serverPort: dp, last: frame)
            nextIndex += 1
            flows[key] = flow
        }
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
