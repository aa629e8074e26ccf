// The message stage's batch loop: each event of a batch consumed in turn, with cache hints
// for the events ahead (`IntMap`'s hints).

import Streams

extension MessageStage {
    /// `consume` on each event of a batch in turn, lent (`Array.lend`: the batch is left as it
    /// came), calling `after` after each. With ~1000 streams interleaved, the state of an
    /// event's direction is in no cache when its turn comes: while one event is handled, the
    /// `directions` slot of the one `slotAhead` events on is fetched, and the state object of
    /// the one `stateAhead` on (hints; the object's address is read from its slot, fetched the
    /// events before). The swift_retain of the object's first touch in `state` was 5% of all
    /// of `messages`' samples on the 1M-frame bench capture, and about 2% with the hints.
    ///
    /// `ahead`, when given, gets the same two hints for the caller's own per-stream state (the
    /// stream of the event `slotAhead` on, `near` false; of the one `stateAhead` on, `near`
    /// true): `messages` fetches where a held stream's next line goes (`StreamOrder.prefetch`).
    public func consume(lending events: inout [PipelineEvent], after: () -> Void,
                        ahead hint: ((_ stream: Int, _ near: Bool) -> Void)? = nil) {
        events.lend { e, ahead in
            let next = ahead.baseAddress.unsafelyUnwrapped
            if Self.slotAhead <= ahead.count, let key = Self.directionKey(next + Self.slotAhead - 1) {
                directions.prefetchSlot(key.code)
                hint?(key.stream, false)
            }
            if Self.stateAhead <= ahead.count, let key = Self.directionKey(next + Self.stateAhead - 1) {
                directions.prefetchValue(key.code, bytes: Self.stateBytes)
                hint?(key.stream, true)
            }
            consume(e)
            after()
        }
    }

    /// How far ahead (in events) the slots and the objects are fetched: far enough for memory to
    /// answer (objects two and slots five events ahead did about as well in interleaved runs).
    static let slotAhead = 8, stateAhead = 4
    /// A `DirectionState` object's size, as malloc gives it (a number out of date costs a miss,
    /// not a fault; `IntMapTests.testStateHintCoversTheDirectionState` says when it is).
    static let stateBytes = 344

    /// The `directions` key of a data or gap event (nearly every event), read in place.
    @inline(__always)
    static func directionKey(_ e: UnsafePointer<PipelineEvent>) -> DirectionKey? {
        switch e.pointee {
        case .stream(.data(let stream, let direction, _, _, _, _)), .stream(.gap(let stream, let direction, _, _)):
            return DirectionKey(stream: stream, direction: direction, udp: false)
        default:
            return nil
        }
    }
}
