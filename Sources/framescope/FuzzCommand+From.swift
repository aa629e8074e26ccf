import ArgumentParser
import Capture
import Framing
import Fuzz
import Replay

/// A capture read once into its conversations, as `replay` plans them (Replay's planner); a
/// damaged file gives what was read before the damage, said on standard error.
func plannedConversations(file: String, framing: FramingChoice) throws -> [ReplayConversation] {
    let input = try CaptureInput(file: file, filter: [], outputAtEnd: true)
    let planner = ReplayPlanner(framing: framing)
    var failure: PcapError?
    while true {
        do {
            guard let raw = try input.next() else { break }
            planner.add(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: input.frameNumber, timestamp: raw.timestamp)
        } catch {
            failure = error
            break
        }
    }
    input.close()
    if let f = failure { Terminal.error("\(f.description) (using what was read before it)") }
    return planner.finish()
}

extension FuzzCommand {
    /// `--from FILE [--stream N]`: the chosen TCP stream (or UDP flow with `--udp`) with client
    /// messages, framed as `--framing` says or as `auto` finds it; the first one without
    /// `--stream`. A capture that cannot be read or has no such stream is a usage error (exit 2).
    func seedConversation(_ file: String, maxMessage: Int) throws -> ReplayConversation {
        let choice: FramingChoice
        do {
            choice = try FramingChoice(parsing: framing.map { [$0] } ?? [], maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
        } catch {
            throw ValidationError(error.description)
        }
        // (An unreadable capture is said there, and is exit status 2.)
        let all = try plannedConversations(file: file, framing: choice)
        let what = udp ? "UDP flow" : "TCP stream"
        let candidates = all.filter { $0.transport == (udp ? .udp : .tcp) && !$0.clientMessages.isEmpty }
        guard let c = candidates.first(where: { stream == nil || $0.stream == stream }) else {
            let have = candidates.map { String($0.stream) }.joined(separator: ", ")
            throw ValidationError("--from \(file): no \(what)\(stream.map { " \($0)" } ?? "") with client messages" + (have.isEmpty ? "" : " (these have: \(have))"))
        }
        if stream == nil && candidates.count > 1 {
            Terminal.error("--from \(file): \(candidates.count) \(what)s with client messages; fuzzing from \(what) \(c.stream) (choose one with --stream N)")
        }
        return c
    }
}
