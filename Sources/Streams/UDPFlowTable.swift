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
    /// Flows in slots found through the connection table's kind of index (a slot is free when
    /// its flow was forgotten).
    private struct Slot {
        var key: FlowKey
        var flow: Flow
        var live: Bool
    }
    private var index = FlowIndex()
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
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
        if let slot = index.slot(of: key, keyOf: { slots[$0].key }) {
            slots[slot].flow.last = frame
            flow = slots[slot].flow
        } else {
            if index.count >= maxFlows { forgotten = forgetOldest() }
            flow = Flow(index: nextIndex, client: src, clientPort: sp, serverPort: dp, last: frame)
            nextIndex += 1
            let entry = Slot(key: key, flow: flow, live: true)
            let slot: Int
            if let free = freeSlots.popLast() {
                slot = free
                slots[free] = entry
            } else {
                slot = slots.count
                slots.append(entry)
            }
            index.insert(key, slot: slot)
        }
        let direction: Direction = (src == flow.client && sp == flow.clientPort) ? .clientToServer : .serverToClient
        return (flow, direction, forgotten)
    }

    private mutating func forgetOldest() -> [Int] {
        let byAge = slots.indices.filter { slots[$0].live }.sorted {
            (slots[$0].flow.last, slots[$0].flow.index) < (slots[$1].flow.last, slots[$1].flow.index)
        }
        var out: [Int] = []
        for slot in byAge.prefix(max(1, index.count / 10)) {
            index.remove(slots[slot].key, slot: slot)
            slots[slot].live = false
            freeSlots.append(slot)
            out.append(slots[slot].flow.index)
        }
        return out
    }
}
