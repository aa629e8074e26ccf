// UDP: one datagram is one message, framed by its flow's spec (given, or guessed from its first
// datagram), numbered per flow and direction.

import Framing
import Streams
import Wire

extension MessageStage {
    // MARK: UDP

    func datagram(_ d: UDPDatagram) {
        let key = DirectionKey(stream: d.flow, direction: d.direction, udp: true)
        let index = (udpMessageIndex[key] ?? 0) + 1
        udpMessageIndex[key] = index
        // One spec per flow: given, or guessed from its first datagram.
        let chosen: (spec: FrameSpec, guessed: Bool)
        if let known = udpSpecs[d.flow] {
            chosen = known
        } else {
            let spec = choice.spec(serverPort: d.serverPort, clientPort: d.clientPort)
            if case .auto = spec.kind {
                chosen = (AutoFraming.guess(d.payload, maxMessage: spec.maxMessage).spec, true)
            } else {
                chosen = (spec, false)
            }
            udpSpecs[d.flow] = chosen
        }
        let (spec, guessed) = chosen
        var m = frameDatagram(d.payload, spec: spec, index: index, offset: 0)
        if d.claimedLength > d.payload.count, !m.problems.contains(.gap) {
            m.complete = false
            m.problems.append(.gap)
        }
        if current != 0 && d.frame == current {
            view.transport = .udp
            view.format = spec.description
            view.guessed = guessed
            if let v = m.headerValueText { view.headers.append(.init(offset: 0, value: v)) }
            view.messages.append(.init(index: m.index, kind: .whole, textBytes: m.isValidUTF8 ? m.body : nil, length: m.declaredLength ?? m.body.count,
                                       complete: m.complete, part: nil, parts: nil, problems: m.problems))
        }
        if keeps.contains(.messages) {
            completed.append(ChatMessage(transport: .udp, stream: d.flow, direction: d.direction, message: m,
                                         frames: d.frames, format: spec.description, guessed: guessed))
        }
    }
}
