// The analysis rules of `TCPReassembler` (Wireshark's names and order of precedence):
// retransmission, out of order, overlap, keep-alive, zero window, duplicate ACK, gap.

import Wire

extension DirectionReassembly {
    /// Wireshark-like analysis of one segment (flags only; no state changes). Returns whether the
    /// segment is a keep-alive (its payload is then ignored). Rules:
    /// - keep_alive: at most one byte, sequence one before the next expected, no SYN/FIN/RST.
    /// - gap ("previous segment not captured"): not a RST and it starts beyond the next expected
    ///   sequence number, so bytes before it were sent but not captured.
    /// - For a payload [start, end): retransmission when every byte was seen before (delivered,
    ///   declared a gap, or buffered); spurious_retransmission instead when the peer had already
    ///   acknowledged all of it; overlap when only some bytes were seen; out_of_order when it
    ///   brings bytes never seen below the next expected sequence number (it fills a hole).
    ///   overlap_conflict is added during delivery when an overlapping byte differs from the copy
    ///   seen first (the first copy wins, as in Linux).
    /// - A SYN repeating the ISN, or a bare FIN at the known FIN offset: retransmission.
    /// - zero_window: window field 0 on a segment without SYN/FIN/RST.
    /// - dup_ack: a pure ACK (no payload, no SYN/FIN/RST) at the next expected sequence number
    ///   with the same acknowledgment and the same non-zero window as this direction's previous ACK,
    ///   unless it answers a keep-alive (Wireshark's keep_alive_ack, not a duplicate).
    /// - fin, rst: the flag is set. mid_stream and port_reuse are set by the connection table.
    // `h` inout though only read: by value (or borrowed), the caller's direction, itself held
    // `inout`, was copied whole on every segment.
    func analyse(
        _ seg: TCPSegment, _ h: inout HalfStream, start: Int64, end: Int64, first: Bool, peerKeepAlive: Bool,
        flags: inout AnalysisSet
    ) -> Bool {
        let f = seg.flags
        let syn = f.contains(.syn), fin = f.contains(.fin), rst = f.contains(.rst), ack = f.contains(.ack)
        let length = end - start
        if fin { flags.insert(.fin) }
        if rst { flags.insert(.rst) }
        if seg.window == 0 && !syn && !fin && !rst { flags.insert(.zeroWindow) }
        if first { return false }

        if length <= 1 && !syn && !fin && !rst && start == h.highest - 1 {
            flags.insert(.keepAlive)
            return true
        }
        if rst { return false }
        if start > h.highest { flags.insert(.gap) }
        if length > 0 {
            let seen = h.seenCount(start, end)
            if seen == length {
                flags.insert(end <= h.ackedByPeer ? .spuriousRetransmission : .retransmission)
            } else {
                let unseenBelowHighest = max(0, min(end, h.highest) - start) - seen
                if seen > 0 { flags.insert(.overlap) }
                if unseenBelowHighest > 0 { flags.insert(.outOfOrder) }
            }
        } else if syn && h.synSeen && seg.sequence == h.isn {
            flags.insert(.retransmission)
        } else if fin && h.finOffset >= 0 && start == h.finOffset {
            flags.insert(.retransmission)
        } else if ack && !syn && !fin && h.hasLastAck && seg.acknowledgment == h.lastAck
            && seg.window == h.lastWindow && seg.window != 0 && start == h.highest && !peerKeepAlive
        {
            flags.insert(.dupAck)
        }
        return false
    }

    // MARK: - Delivery
}
