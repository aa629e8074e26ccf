import Framing
import Streams
import Wire

/// The first half of the pipeline, free of I/O: IP fragments reassembled (layer 3), TCP segments
/// reassembled into streams and UDP datagrams grouped into flows (layer 4–5), as `PipelineEvent`s
/// for the message stage. It reads decoded frames and never changes them: the caller (the
/// `Inspector`) decodes a reassembled datagram's transport layer into its frame.
///
/// Not thread-safe: one stage belongs to one reading loop.
public final class StreamStage {
    let reassembler: TCPReassembler
    let fragments = FragmentReassembler()
    @exclusivity(unchecked) var udp = UDPFlowTable()
    /// Events not yet taken, but for the reassembler's latest: without a sink, TCP events wait
    /// in the reassembler (sealed after each segment, so they are what draining after each
    /// segment gave) and move here in one go before any other event and when taken.
    @exclusivity(unchecked) @usableFromInline var events: [PipelineEvent] = []
    /// The reassembler's event buffer between moves (empty; kept for its capacity).
    @exclusivity(unchecked) var spare: [StreamEvent] = []
    /// Where events go at once when set (one thread: the message stage); else they wait in a
    /// buffer for `takeEvents()` (the reading half of two threads).
    @exclusivity(unchecked) public var sink: ((PipelineEvent) -> Void)?
    /// Payload bytes in `events`.
    @exclusivity(unchecked) @usableFromInline var bytesHere = 0
    /// Events, and their payload bytes, waiting in the reassembler (as of its last seal).
    @exclusivity(unchecked) @usableFromInline var tcpCount = 0
    @exclusivity(unchecked) @usableFromInline var tcpBytes = 0

    /// Events per batch a caller handing them to another thread should aim for (a batch is also
    /// due past 1 MB of payload).
    public static let batchSize = 2048

    public init(limits: ReassemblyLimits = .init()) {
        reassembler = TCPReassembler(limits: limits)
    }

    /// Events not yet taken.
    @inlinable public var eventCount: Int { events.count + tcpCount }
    /// Payload bytes in the events not yet taken.
    @inlinable public var eventBytes: Int { bytesHere + tcpBytes }
    /// True when enough events wait to be worth handing to the other thread. Inlinable: the
    /// reading loop asks after every frame.
    @inlinable public var batchDue: Bool { eventCount >= Self.batchSize || eventBytes >= 1 << 20 }

    /// The events since the last call, in order.
    public func takeEvents() -> [PipelineEvent] {
        moveStreamEvents()
        var out: [PipelineEvent] = []
        out.reserveCapacity(Self.batchSize)
        swap(&out, &events)
        bytesHere = 0
        return out
    }

    /// The reassembler's waiting events to `events`, each moved (not copied) and wrapped.
    @inline(__always)
    func moveStreamEvents() {
        if tcpCount == 0 { return }
        bytesHere += tcpBytes
        tcpCount = 0
        tcpBytes = 0
        reassembler.swapEvents(&spare)
        spare.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return }
            for i in 0 ..< b.count {
                events.append(.stream((base + i).move()))
                // A placeholder that owns nothing, for the array to destroy. (`moveOut`'s loop, but
                // each event is consumed into `events`: through its borrowing closure it was
                // copied, a retain and a release each, 10M instructions on the 100k cut.)
                (base + i).initialize(to: .midStream(stream: 0, direction: .clientToServer))
            }
        }
        spare.removeAll(keepingCapacity: true)
    }

    /// Passes `e` (with `bytes` of payload) on: to the sink, or after every waiting event.
    @inline(__always)
    func add(_ e: PipelineEvent, bytes: Int = 0) {
        if let sink {
            sink(e)
            return
        }
        moveStreamEvents()
        bytesHere += bytes
        events.append(e)
    }

    /// A warning of this stage's own (fragments, UDP flows), passed on with the events so the
    /// message stage says every warning in one place.
    func note(_ text: String) { add(.stream(.warning(text))) }

    // MARK: Layer 3

    /// A datagram whose fragments are all in, completed by this frame.
    public struct Reassembled {
        public var datagram: ReassembledDatagram
        public var protocolNumber: UInt8
        public var pseudo: TransportContext.Pseudo
    }

    /// Adds the frame's IP fragment, if it is one; returns the datagram when it completes one.
    public func defragment(number: Int, timestamp: Timestamp, frame: borrowing DecodedFrame, bytes: UnsafeRawBufferPointer) -> Reassembled? {
        // A fragment's last layer is its data, or the transport header of a first fragment; the
        // IP layer is the one before it.
        guard let range = frame.fragmentRange, range.upperBound <= bytes.count,
              let last = frame.layers.indices.last, last > 0 else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[range])
        let key: FragmentKey
        let offset: Int, more: Bool
        let pseudo: TransportContext.Pseudo
        switch frame.layers[last - 1].header {
        case .ipv4(let h) where h.isFragment:
            key = FragmentKey(source: .v4(h.source), destination: .v4(h.destination), protocolNumber: h.protocolNumber,
                              identification: UInt32(h.identification))
            (offset, more, pseudo) = (h.fragmentOffset, h.moreFragments, .v4(h.source, h.destination))
        case .ipv6(let h):
            guard let f = h.fragment else { return nil }
            key = FragmentKey(source: .v6(h.source), destination: .v6(h.destination), protocolNumber: h.upperProtocol,
                              identification: f.fragmentID)
            (offset, more, pseudo) = (f.fragmentOffset, f.moreFragments, .v6(h.source, h.destination))
        default:
            return nil
        }
        let whole = fragments.add(key: key, offset: offset, more: more, bytes: payload, frame: number, time: timestamp)
        noteFragmentDrops()
        return whole.map { Reassembled(datagram: $0, protocolNumber: key.protocolNumber, pseudo: pseudo) }
    }

    /// Datagrams the fragment reassembler gave up on (its limits, timeouts, inconsistent
    /// fragments), as warnings like the reassembler's.
    func noteFragmentDrops() {
        for d in fragments.takeDrops() {
            let frames = d.frames.prefix(8).map(String.init).joined(separator: ", ") + (d.frames.count > 8 ? ", …" : "")
            note("IP datagram id \(d.key.identification) \(d.key.source) → \(d.key.destination) (frame\(d.frames.count == 1 ? "" : "s") \(frames)) dropped: \(d.reason)")
        }
    }

    // MARK: Layers 4–5

    /// The frame's TCP segment (to the reassembler) or UDP datagram (to its flow), as events;
    /// returns the TCP session facts of the frame. A first fragment's header feeds nothing; a
    /// reassembled datagram's transport layer is fed with `frame.reassembledPayload`.
    /// `wantsSession` false: the caller discards the result (nil), which is then not built.
    /// The frame is only read; it is taken `inout` because a borrowed one was copied whole to
    /// the stack on every call (the caller holds it `inout`).
    public func transport(number: Int, timestamp: Timestamp, frame: inout DecodedFrame, bytes: UnsafeRawBufferPointer,
                          wantsSession: Bool = true) -> SessionInfo? {
        var src: IPAddress? = nil, dst: IPAddress? = nil
        var session: SessionInfo? = nil
        // Each layer read where the frame keeps it (`for l in frame.layers`, or `frame.layers[i]`,
        // copied every layer of every frame). The closure reads nothing else of the frame: with
        // the frame read in it, this took some thirty-five instructions more a frame.
        let reassembledPayload = frame.reassembledPayload, payloadRange = frame.payloadRange
        let reassembledFrom = frame.reassembledFrom
        frame.layers.withUnsafeBufferPointer { layers in
            // A TCP or UDP layer is the frame's last (the dissector stops after it; a reassembled
            // datagram's takes the last place), and its addresses are the nearest IP layer's
            // before it: only those two layers are read, not every layer of every frame.
            guard let i = layers.indices.last else { return }
            switch layers[i].proto {
            case .tcp, .udp: break
            default: return
            }
            var j = i - 1
            findIP: while j >= 0 {
                switch layers[j].header {
                case .ipv4(let h): src = .v4(h.source); dst = .v4(h.destination); break findIP
                case .ipv6(let h): src = .v6(h.source); dst = .v6(h.destination); break findIP
                default: j -= 1
                }
            }
            switch layers[i].header {
            case .tcp(let h) where !layers[i].firstFragment
                    && (layers[i].error == nil || layers[i].error?.isTruncation == true || payloadRange != nil):
                // A header cut by the snaplen after its fixed 20 bytes still feeds the reassembler: its
                // payload is then all missing, which the reassembler reports as a gap. A header with a
                // bad option whose length still delimits it feeds it too (its payload range is set).
                guard let s = src, let d = dst, h.capturedHeaderLength >= 20, h.headerLength >= 20 else { break }
                // Built once, with its payload (a segment built and then given its payload was
                // copied on every frame).
                var payload = UnsafeRawBufferPointer(start: nil, count: 0)
                if reassembledPayload == nil, let range = payloadRange {
                    payload = UnsafeRawBufferPointer(rebasing: bytes[range])
                }
                let seg = TCPSegment(frame: number, timestamp: timestamp, source: s, sourcePort: h.sourcePort,
                                     destination: d, destinationPort: h.destinationPort, sequence: h.sequence,
                                     acknowledgment: h.acknowledgment, flags: h.flags, window: h.window,
                                     payloadLength: h.payloadLength, payload: payload)
                if let r = reassembledPayload {
                    r.withUnsafeBytes { p in
                        var whole = seg
                        whole.payload = p
                        session = segment(whole, wantsSession)
                    }
                } else {
                    // The common case, without a closure (whose context cost a retain and a
                    // release on every segment).
                    session = segment(seg, wantsSession)
                }
            case .udp(let h) where layers[i].error == nil && !layers[i].firstFragment:
                guard let s = src, let d = dst else { break }
                let payload = reassembledPayload ?? payloadRange.map { Array(bytes[$0]) } ?? []
                datagram(number: number, fragmentFrames: (layers[i].reassembled ? reassembledFrom : nil) ?? [],
                         src: s, sp: h.sourcePort, dst: d, dp: h.destinationPort, payload: payload, claimedLength: h.payloadLength)
            default:
                break
            }
        }
        return session
    }

    /// The stream stage's part of a frame `Dissector.peek` read (`Inspector.feed`): what
    /// `transport` does with the same frame decoded, without a session.
    @inline(__always)
    public func transport(number: Int, timestamp: Timestamp, peek p: TransportPeek, bytes: UnsafeRawBufferPointer) {
        if p.isTCP {
            let seg = TCPSegment(frame: number, timestamp: timestamp, source: .v4(p.source), sourcePort: p.sourcePort,
                                 destination: .v4(p.destination), destinationPort: p.destinationPort, sequence: p.sequence,
                                 acknowledgment: p.acknowledgment, flags: p.flags, window: p.window,
                                 payloadLength: p.payload.count, payload: UnsafeRawBufferPointer(rebasing: bytes[p.payload]))
            _ = segment(seg, false)
        } else {
            datagram(number: number, fragmentFrames: [], src: .v4(p.source), sp: p.sourcePort, dst: .v4(p.destination),
                     dp: p.destinationPort, payload: Array(bytes[p.payload]), claimedLength: p.payload.count)
        }
    }

    /// A UDP datagram to its flow, and on as an event.
    func datagram(number: Int, fragmentFrames: [Int], src: IPAddress, sp: UInt16, dst: IPAddress, dp: UInt16,
                  payload: [UInt8], claimedLength: Int) {
        let (flow, direction, forgotten) = udp.flow(src: src, sp: sp, dst: dst, dp: dp, frame: number)
        if !forgotten.isEmpty {
            note("limit on UDP flows (\(udp.maxFlows)) hit: the least recently seen tenth was forgotten; a flow seen again gets a new index")
            add(.forgotFlows(forgotten))
        }
        add(.datagram(UDPDatagram(frame: number, fragmentFrames: fragmentFrames, flow: flow.index,
                                  direction: direction, clientPort: flow.clientPort, serverPort: flow.serverPort,
                                  payload: payload, claimedLength: claimedLength)),
            bytes: payload.count)
    }

    /// One segment through the reassembler; its events to the sink, or left waiting there
    /// (sealed) until they move to `events`.
    @inline(__always)
    func segment(_ seg: TCPSegment, _ wantsSession: Bool) -> SessionInfo? {
        if sink != nil {
            let session = reassembler.process(seg)
            reassembler.drainEvents { add(.stream($0)) }
            return wantsSession ? session : nil
        }
        if !wantsSession {
            (tcpCount, tcpBytes) = reassembler.feedAndSeal(seg)
            return nil
        }
        let session = reassembler.process(seg)
        (tcpCount, tcpBytes) = reassembler.sealEvents()
        return session
    }

    /// End of input: every stream's last events, and the datagrams whose fragments never all came.
    public func finish() {
        noteFragmentDrops()
        let n = fragments.pendingDatagrams
        if n > 0 {
            note("\(n) IP datagram\(n == 1 ? "" : "s") still missing fragments at the end of the capture: \(n == 1 ? "its" : "their") layer 4 was never decoded")
        }
        moveStreamEvents()
        for e in reassembler.finish() {
            var bytes = 0
            if case .data(_, _, _, let b, _, _) = e { bytes = b.count }
            add(.stream(e), bytes: bytes)
        }
    }
}
