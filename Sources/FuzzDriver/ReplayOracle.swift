// `fuzz --from FILE`: the captured conversation as the seed (its client messages, cut as they
// were written) and as the oracle (replayed unmutated on a fresh connection after every case, its
// answers compared as `replay` compares them). docs/DESIGN.md "Fuzzer".

import Framing
import Fuzz
import Replay
import Sockets

extension Seed {
    /// The seed of a captured conversation: each client message with the captured write
    /// boundaries inside it, and the captured answers with how many came before each message.
    /// When the messages cannot be laid over the captured bytes (the capture began inside the
    /// stream, or lost bytes of it), each message is one write and the answers before it are
    /// not known (none are judged).
    public init(_ c: ReplayConversation) {
        let answers = c.serverMessages.map(\.body)
        if c.transport == .udp {
            var before = [0]
            for w in c.writes { before.append(before[before.count - 1] + w.answersBefore) }
            self.init(messages: c.writes.map { [$0.bytes] }, answers: answers, answersBefore: before)
            return
        }
        let stream = c.writes.flatMap(\.bytes)
        let whole = c.clientMessages.flatMap { $0 }
        guard !c.midStream, c.skippedBytes == 0, stream.starts(with: whole) else {
            self.init(messages: c.clientMessages.map { [$0] }, answers: answers,
                      answersBefore: [Int](repeating: 0, count: c.clientMessages.count))
            return
        }
        // Where each captured write ends in the client's stream, and the answers before it.
        var ends: [Int] = []
        var end = 0
        for w in c.writes {
            end += w.bytes.count
            ends.append(end)
        }
        var messages: [[[UInt8]]] = []
        var before: [Int] = []
        var start = 0
        for m in c.clientMessages {
            let stop = start + m.count
            let cuts = [start] + ends.filter { $0 > start && $0 < stop } + [stop]
            messages.append(zip(cuts, cuts.dropFirst()).map { Array(stream[$0..<$1]) })
            before.append(zip(ends, c.writes).filter { $0.0 <= start }.reduce(0) { $0 + $1.1.answersBefore })
            start = stop
        }
        self.init(messages: messages, answers: answers, answersBefore: before + [answers.count])
    }
}

extension FuzzConfig {
    /// The cases of a run with `options`: the catalogue's, or with `--from` the seed's.
    public func caseSource(_ options: CatalogueOptions) -> any CaseSource {
        if let c = from { return FromCatalogue(options, seed: Seed(c)) }
        return Catalogue(options)
    }
}

/// The probe of `fuzz --from`: the captured conversation replayed on a fresh connection (asap:
/// each write once the answers the capture shows before it came).
struct ConversationProbe: Sendable {
    let conversation: ReplayConversation
    /// `replay`: the captured answers exactly. Else `reply`: any answers, as many as captured.
    var exact = true
    /// Why `replay` fell back to `reply`: the server does not answer the conversation the same way
    /// twice, or not as captured.
    var fallback: String?

    func replay(_ endpoints: [ClientEndpoint], timeout: Double) -> ReplayOutcome {
        var player = ReplayPlayer(endpoints: endpoints)
        player.timeout = timeout
        return player.play(conversation)
    }

    func play(endpoints: [ClientEndpoint], timeout: Double) -> (outcome: ProbeOutcome, connectSeconds: Double) {
        let started = monotonicSeconds()
        let o = replay(endpoints, timeout: timeout)
        let seconds = monotonicSeconds() - started
        if o.couldNotRun { return (.refused(o.problem ?? "could not connect"), seconds) }
        let captured = conversation.serverMessages.count
        // A reset before the answers are all in is a refusal, as for the probe of the other
        // oracles: the server died (or is dying) under it.
        if o.reset && o.replayed.count < captured {
            return (.refused("the connection was reset after \(o.replayed.count) of the \(captured) captured answers"), 0)
        }
        if o.replayed.isEmpty && captured > 0 {
            // Nothing came: silent when every write went out, else the server ended the connection.
            return (o.sent == o.toSend ? .silent : .closed, 0)
        }
        if !exact {
            if o.replayed.count >= captured { return (.answered(seconds), 0) }
            return (.wrong("\(o.replayed.count) of the \(captured) captured answers came" + (o.problem.map { ": \($0)" } ?? "")), 0)
        }
        if let d = Self.firstDifference(o.comparisons) { return (.wrong(d), 0) }
        return (.answered(seconds), 0)
    }

    /// The first comparison that is not `same`, in words; nil when every answer is the same.
    static func firstDifference(_ comparisons: [MessageComparison]) -> String? {
        guard let m = comparisons.first(where: { $0.verdict != .same }) else { return nil }
        switch m.verdict {
        case .different: return "answer \(m.index) differs at byte \(m.firstDifference ?? 0): captured \(preview(m.captured ?? [])), got \(preview(m.replayed ?? []))"
        case .missing: return "captured answer \(m.index) \(preview(m.captured ?? [])) did not come"
        case .extra: return "an answer the capture does not have: \(preview(m.replayed ?? []))"
        case .same: return nil
        }
    }
}

extension FuzzEngine {
    /// With `--from`: why the run uses `--oracle reply` instead of `replay` (said once on
    /// standard error by the CLI), or nil.
    public var oracleFallback: String? { driver?.conversationProbe?.fallback }

    /// With `--from` and `--oracle replay` (or `reply` without `--expect`): the probe becomes the
    /// captured conversation.
    func installConversationProbe() {
        guard let c = config.from, config.oracle == .replay || (config.oracle == .reply && config.expect == nil) else { return }
        var probe = ConversationProbe(conversation: c)
        probe.exact = config.oracle == .replay
        driver.conversationProbe = probe
    }

    /// For `--oracle replay`, the conversation is replayed twice before the run: a server that
    /// does not answer it the same way both times, or not as captured (timestamps, random ids, a
    /// counter), would make every case look `wrong`, so the run falls back to `reply`.
    func checkConversationStability() {
        guard var probe = driver.conversationProbe, probe.exact else { return }
        let first = probe.replay(driver.endpoints, timeout: 2)
        let second = probe.replay(driver.endpoints, timeout: 2)
        // An unusable target is the baseline's to report.
        guard !first.couldNotRun && !second.couldNotRun else { return }
        if first.replayedWithoutOwnPort != second.replayedWithoutOwnPort {
            let i = zip(first.replayed, second.replayed).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(first.replayed.count, second.replayed.count)
            let said = { (a: [[UInt8]]) in i < a.count ? preview(a[i]) : "nothing" }
            probe.fallback = "the server does not answer the captured conversation the same way twice (answer \(i + 1): \(said(first.replayed)), then \(said(second.replayed)))"
        } else if let d = ConversationProbe.firstDifference(first.comparisons) {
            probe.fallback = "the server does not answer the captured conversation as captured (\(d))"
        } else {
            return
        }
        probe.exact = false
        driver.conversationProbe = probe
        driver.rule = AnswerRule(mode: .reply, expect: nil)
    }
}
