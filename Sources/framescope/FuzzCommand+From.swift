import ArgumentParser
import Capture
import Framing
import Fuzz
import FuzzDriver
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
    /// `fuzz --help`'s paragraph on `--from` and `--oracle replay`.
    static let fromDiscussion = """
        --from FILE [--stream N] seeds the cases with a captured conversation (a TCP stream, or a \
        UDP flow with --udp; the first with client messages unless --stream says), framed as \
        --framing says or as auto finds it in the capture. Case from/k:ID plays the client's \
        messages before message k exactly as captured (their write boundaries kept), then, in \
        message k's place, catalogue case ID (from/3:cut-header-1/1), message k itself at other \
        write boundaries (own-dribble, own-split, own-sticky: these must get the captured \
        answers), or message k mutated (from/k:mut/N); every k, so a bug behind a login is \
        reached. The answers the capture shows before message k must come as captured. \
        --oracle replay (the default with --from): after every case a fresh connection replays \
        the whole conversation unmutated, as replay does, and must get the captured answers, \
        compared as replay compares them; alive but answering differently is wrong. Before the \
        run the conversation is replayed twice: a server that does not answer it the same way \
        both times, or not as captured (timestamps, random ids, a counter), is said on standard \
        error and judged with --oracle reply instead: as many answers as captured, whatever \
        their bytes. Minimisation may drop earlier messages the bug does not need.
        """

    static func limitNotLearned(_ config: FuzzConfig) -> String {
        "with --from the server's limit is not learned (its messages need not be echoed); the limit-relative cases use \(config.spec.maxMessage) bytes (--max-message to say it)"
    }

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
