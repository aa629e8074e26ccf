import ArgumentParser
import Fuzz
import FuzzDriver
import Capture
import Chat
import Dispatch
import Framing
import Inspect
import Render
import Streams
import Wire
import Synchronization
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// The demo's scripted clients (the `chat` command's client), one after the other on a
/// background thread; every wait in them is bounded by the client's timeout.
final class DemoClients: Sendable {
    private let state = Mutex<(finished: Bool, failure: String?)>((false, nil))

    var isFinished: Bool { state.withLock { $0.finished } }
    var error: String? { state.withLock { $0.failure } }

    static func start(framedPort: Int, textPort: Int, spec: FrameSpec) -> DemoClients {
        let state = DemoClients()
        DispatchQueue.global().async {
            usleep(100_000)  // let the capture settle
            do {
                try talk(port: framedPort, transport: .framed(spec), turns: DemoCommand.framedTurns, name: "framed client")
                try talk(port: textPort, transport: .text, turns: DemoCommand.textTurns, name: "text client")
            } catch {
                state.fail("\(error)")
            }
            state.state.withLock { $0.finished = true }
        }
        return state
    }

    static func talk(port: Int, transport: ChatClientOptions.Transport, turns: [[String]], name: String) throws {
        var options = ChatClientOptions(address: ChatAddress(host: "127.0.0.1", port: port), transport: transport)
        options.timeout = 5
        let client = try ChatClient(options)
        defer { client.close() }
        var outcome = ChatOutcome()
        for turn in turns {
            try client.turn(turn[...], outcome: &outcome) { _ in }
            if outcome.timedOut || outcome.closedByServer && turn != ["Q"] {
                throw DemoError("\(name): the server did not answer turn \(turn.map { String($0.prefix(20)) })")
            }
        }
        if outcome.replies.count < outcome.sent { throw DemoError("\(name): \(outcome.sent) sent, \(outcome.replies.count) answered") }
    }

    func fail(_ message: String) { state.withLock { if $0.failure == nil { $0.failure = message } } }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
