// UDP: one datagram is one message, framed by its flow's spec (given, or guessed from its first
// datagram), numbered per flow and direction.

import Framing
import Streams
import Wire

extension MessageStage {
    // MARK: UDP

    /// A UDP flow's framing (one spec per flow: given, or guessed from its first datagram) and
    /// its message count in each direction.
    final class UDPFlow {
        let spec: FrameSpec
        let guessed: Bool
        /// `spec`'s description, made once.
        let format: String
        @exclusivity(unchecked) var sent: (clientToServer: Int, serverToClient: Int) = (0, 0)

        init(spec: FrameSpec, guessed: Bool) {
            self.spec = spec
            self.guessed = guessed
            self.format = spec.description
        }
    }

    func datagram(_ d: UDPDatagram) {
        let flow: UDPFlow
        if let known = udpFlows[d.flow] {
            flow = known
        } else {
            let spec = choice.spec(serverPort: d.serverPort, clientPort: d.clientPort)
            if case .auto = spec.kind {
                flow = UDPFlow(spec: AutoFraming.guess(d.payload, maxMessage: spec.maxMessage).spec, guessed: true)
            } else {
                flow = UDPFlow(spec: spec, guessed: false)
            }
            udpFlows[d.flow] = flow
        }
        let index: Int
        if d.direction == .clientToServer {
            flow.sent.clientToServer += 1
            index = flow.sent.clientToServer
        } else {
            flow.sent.serverToClient += 1
            index = flow.sent.serverToClient
        }
        let spec = flow.spec, guessed = flow.guessed
        var m = frameDatagram(d.payload, spec: spec, index: index, offset: 0)
        if d.claimedLength > d.payload.count, !m.problems.contains(.gap) {
            m.complete = false
            m.problems.append(.gap)
        }
        if current != 0 && d.frame == current {
            view.transport = .udp
            view.format = flow.format
            view.guessed = guessed
            if let v = m.headerValueText { view.headers.append(.init(offset: 0, value: v)) }
            view.messages.append(.init(index: m.index, kind: .whole, textBytes: m.isValidUTF8 ? m.body : nil, length: m.declaredLength ?? m.body.count,
                                       complete: m.complete, part: nil, parts: nil, problems: m.problems))
        }
        if keeps.contains(.messages) {
            completed.append(ChatMessage(transport: .udp, stream: d.flow, direction: d.direction, message: consume m,
                                         frames: d.frames, format: flow.format, guessed: guessed))
        }
    }
}
