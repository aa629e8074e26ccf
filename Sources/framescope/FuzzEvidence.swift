import Capture
import Dispatch
import Foundation
import Framing
import Fuzz
import FuzzDriver
import Inspect
import Render
import Wire

// The proof behind each distinct finding of `framescope fuzz`: a minimised input, and with
// `--record DIR` a folder with case.json and a pcap of the exchange. The pcap is a re-run of the
// case alone under a capture on `lo` filtered to the target's port — not a cut of one capture of
// the whole run: the run plays cases on several connections at once and probes in between, so a
// re-run is the only way to hold exactly this case's connection and the probe that judged it,
// and it checks once more that the finding reproduces.

extension CaseRecord {
    /// Reads DIR/case.json (or the file itself).
    static func load(_ path: String) throws -> CaseRecord {
        var isDir: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue ? path + "/case.json" : path
        guard let data = FileManager.default.contents(atPath: file) else { throw FuzzEvidenceError("cannot read \(file)") }
        return try CaseRecord(json: Array(data), file: file)
    }
}

struct FuzzEvidenceError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// After the run: each distinct finding minimised (bounded), and with a record folder its
/// case.json, its pcap and the ladder of its case connection.
struct EvidenceCollector {
    let engine: FuzzEngine
    let config: FuzzConfig
    let recordDir: String?
    let minimizeTries: Int
    let language: TextLanguage
    let log: (String) -> Void

    func collect(_ report: inout FuzzReport, reproduce: (Failure) -> String) {
        let found = report.findings
        if let dir = recordDir { mkdir(dir, 0o755) }
        for (n, (f, _)) in found.prefix(50).enumerated() {
            var ev = FindingEvidence()
            let c = f.fuzzCase
            // Played alone again before it is reported: a verdict that does not come back at
            // least twice in three is listed apart (unconfirmed), and is not minimised.
            let confirmed = engine.confirm(c, verdict: f.verdict, cause: f.cause)
            ev.confirmed = confirmed
            log("finding \(n + 1) (\(c.id), \(f.verdict.rawValue)) played alone again: came back \(confirmed.cameBack) of \(confirmed.played)")
            guard ev.isConfirmed else {
                report.evidence[c.id] = ev
                continue
            }
            if minimizeTries > 0 {
                log("minimising finding \(n + 1) (\(c.id), \(f.verdict.rawValue)): at most \(minimizeTries) tries")
                let m = engine.minimize(c, verdict: f.verdict, cause: f.cause, maxTries: minimizeTries, seconds: 30)
                ev.minimized = m.fuzzCase
                ev.minimizedHold = m.hold
                ev.minimizeTries = m.tries
                ev.minimizeConfirmed = m.confirmed
                ev.minimizeCutShort = m.cutShort
            }
            var caseSeconds: Double?
            if let dir = recordDir {
                let folder = dir + "/" + String(format: "%02d-", n + 1) + slug(c.id)
                mkdir(folder, 0o755)
                ev.recordDir = folder
                let pcap = absolute(folder + "/exchange.pcap")
                // A restart with --exec and port 0 moves the target: recover it first, then filter.
                let recovered = engine.recoverTarget()
                let port = engine.currentAddress?.port ?? config.address.port
                let filter = "\(config.udp ? "udp" : "tcp") port \(port)"
                let engine = self.engine
                let (j, frames, error) = LoopbackRecorder.record(filter: filter, path: pcap) {
                    engine.judge(c, recovered: recovered, lookForLeak: f.verdict == .leak)
                }
                caseSeconds = j.seconds
                ev.recordedVerdict = j.verdict
                if let e = error {
                    ev.pcapNote = e
                } else {
                    ev.pcap = pcap
                    log("recorded finding \(n + 1): \(frames) frames in \(pcap) (the re-run's verdict: \(j.verdict.rawValue))")
                    if !config.udp { ev.ladderSVG = ladder(pcap, title: "framescope fuzz: \(c.id) (\(f.verdict.rawValue))") }
                }
                let doc = CaseRecord.json(f, evidence: ev, hold: engine.holdSeconds, timeout: engine.oracleTimeout,
                                          probeP50: engine.probeP50, caseSeconds: caseSeconds, reproduce: reproduce(f), language: language)
                if !writeFile(folder + "/case.json", doc) { log("cannot write \(folder)/case.json") }
            }
            report.evidence[c.id] = ev
        }
    }

    /// The ladder of the case's own connection (the capture's first TCP stream: the case
    /// connects before its probe does).
    func ladder(_ pcap: String, title: String) -> String? {
        guard let input = try? CaptureInput(file: pcap, filter: [], outputAtEnd: true) else { return nil }
        defer { input.close() }
        let inspector = Inspector(framing: FramingChoice(defaultSpec: config.spec), verifiesTransportChecksums: false)
        guard let conv = TCPConversation.read(input, stream: 0, inspector: inspector).conversation else { return nil }
        return Ladder.svg(title: title, client: conv.client, server: conv.server, segments: conv.segments, messages: conv.messages)
    }

    func slug(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
