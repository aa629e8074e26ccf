// Puts messages in DESIGN.md's order — stream by stream in index order, each stream's messages
// in the order they completed (byte order within each direction) — while streaming: the lowest
// unfinished stream prints as it goes, later streams are held until every stream before them has
// finished. Held messages are bounded; past the bound everything held is released in stream
// order and `orderBroken` is set, so memory stays bounded on any capture. UDP flows never end,
// so their datagrams are passed on as they come.

public struct StreamOrder {
    var next = 0
    var held: [Int: [ChatMessage]] = [:]
    var finished: Set<Int> = []
    public private(set) var heldBytes = 0
    public let limitBytes: Int
    /// True once the bound forced messages out before an earlier stream finished.
    public private(set) var orderBroken = false

    public init(limitBytes: Int = 24 << 20) { self.limitBytes = limitBytes }

    static func cost(_ m: ChatMessage) -> Int { m.message.body.count + 8 * m.frames.count + 160 }

    /// Messages ready to print after `m` arrived.
    public mutating func add(_ m: ChatMessage, into out: inout [ChatMessage]) {
        if m.transport == .udp || m.stream == next {
            out.append(m)
        } else {
            held[m.stream, default: []].append(m)
            heldBytes += Self.cost(m)
        }
        if heldBytes > limitBytes { releaseAll(into: &out, breaking: true) }
    }

    /// `stream` ended in both directions.
    public mutating func finished(_ stream: Int, into out: inout [ChatMessage]) {
        finished.insert(stream)
        while finished.contains(next) {
            finished.remove(next)
            next += 1
            if let ms = held.removeValue(forKey: next) {
                out += ms
                for m in ms { heldBytes -= Self.cost(m) }
            }
        }
    }

    /// End of input: everything still held, TCP streams in index order.
    public mutating func finishAll(into out: inout [ChatMessage]) {
        releaseAll(into: &out, breaking: false)
        heldBytes = 0
    }

    mutating func releaseAll(into out: inout [ChatMessage], breaking: Bool) {
        if breaking && !held.isEmpty { orderBroken = true }
        for s in held.keys.sorted() {
            let ms = held[s]!
            out += ms
            for m in ms { heldBytes -= Self.cost(m) }
        }
        held.removeAll()
        if let maxStream = out.last(where: { $0.transport == .tcp })?.stream, breaking { next = max(next, maxStream) }
    }
}
