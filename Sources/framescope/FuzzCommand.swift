import ArgumentParser
import Chat
import Dispatch
import Foundation
import Framing
import Fuzz
import FuzzDriver
import Replay
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// `framescope fuzz HOST:PORT`: malformed length headers and framing abuse against a running
/// server, with a liveness oracle after every case (Sources/Fuzz, Sources/FuzzDriver).
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Fuzz a running TCP or UDP server with malformed length headers and framing abuse; probe it after every case.",
        discussion: """
        Every case is recorded on three axes: the bytes, the write boundaries (each send), and the \
        close mode: fin (close), half_close (shutdown(SHUT_WR), then read until the server closes), \
        hold (kept open --hold seconds while the server is probed), rst (SO_LINGER 0). The \
        catalogue is deterministic for the spec's width and signedness, then seeded random \
        mutation fills up to --cases; the same --seed gives the same cases in the same order \
        (--list prints them without sending anything).

        Families (--families a,b):
        \(Family.allCases.map { "  \($0.rawValue): \($0.summary)." }.joined(separator: "\n"))

        The oracle after every case: a fresh connection sends a valid message whose body is \
        --probe TEXT and a printable nonce; the right answer (--oracle echo: the same body back, \
        framed the same way; reply: any well-formed message, or exactly --expect TEXT where \
        {probe} stands for the probe's body; connect: only that connections are accepted) must \
        come back within a timeout learned from a baseline of 20 probes (--timeout to set it). \
        Valid messages inside a case are checked on the case's own connection too. Verdicts:
        \(Verdict.allCases.map { "  \($0.rawValue): \($0.summary)." }.joined(separator: "\n"))
        Cases run --jobs at a time; any case that is not a clean pass, and the cases that \
        finished just before it, are run again alone after the target recovered, and that run \
        gives the verdict: one failure is never blamed on another case. No case is skipped after \
        failures. Failures are grouped into distinct findings by the target's failure \
        signature: for a crash its last standard-error line (numbers folded) and the location a \
        traceback shows (Python's last File "…", line N; a sanitizer's frame); otherwise the \
        verdict and its cause where the oracle sees one (accept_queue: new connections waited to \
        be accepted, the listen backlog is too small or accept() too slow; serial_server: \
        accepted at once, nobody served while one client's message is incomplete). One bug \
        reached by several families is one finding that lists them; only a crash with nothing on \
        standard error is split by family. A finding whose case, played alone again, comes back \
        fewer than 2 times of 3 is listed apart as unconfirmed and does not fail the run.

        \(fromDiscussion)

        Without --max-message the server's limit is learned first: the largest valid message it \
        answers right, by a bounded search; the limit-relative cases use it.

        --exec "CMD" starts the target (as /bin/sh -c 'exec CMD', in its own process group), \
        reads its port from its first output line when HOST:PORT says port 0, waits until the \
        port accepts, restarts it after a crash or a hang, keeps its last standard-error lines for \
        the report, and stops it and its children at the end. --pid PID (or --exec) also lets the \
        oracle watch the target's open files and memory in /proc for leaks.

        After the run each distinct finding is minimised (delta debugging over the writes, the \
        bytes, the close mode and hold time; at most --minimize-tries tries and 30 s each, \
        confirmed by one more run) and named with its reproducer: the same command with \
        --replay CASE, which plays that case alone --times times and says how often the verdict \
        came back (a record folder works too). --record DIR adds, per finding, DIR/NN-CASE/ with \
        case.json and exchange.pcap: the case re-run alone under a capture on lo filtered to the \
        target's port (needs capture permission). --report FILE.json or FILE.html (give it twice \
        for both): the JSON report (failures: one per failing case, with its finding's index; \
        findings: one per distinct confirmed finding, with its signature, verdict, cause, \
        families, cases and confirmed [came back, played]; unconfirmed: the others), or one \
        self-contained page with the table, each finding's marked hex dump, ladder diagram, \
        reproducer and explanation. Explanations come in English \
        or Chinese (--lang, or LANG).

        For CI: --junit FILE.xml, JUnit XML with a test case per family and a failure per distinct \
        finding that fails the run (its reproducer and explanation in the text); --sarif \
        FILE.sarif, SARIF 2.1.0 with a result per distinct finding, located at the target's own \
        source line when its standard error shows a traceback (Python's File "…", line N; a \
        sanitizer's #0 … file.c:N), relative to the current directory when the file is under it; \
        --fail-on VERDICTS (crash,hang; or none): the verdicts whose confirmed findings set exit \
        status 1 (default: every verdict but ok).

        Only loopback targets (127.0.0.0/8, ::1) unless --allow-remote. Every run is bounded by \
        --cases and --duration.
        Exit status: 0 no confirmed finding (of the --fail-on verdicts); 1 confirmed findings \
        (--replay: a failing verdict came back); 2 usage error, or the target is unusable \
        (nothing listening, dies at start, does not answer the probe).
        """
    )

    @Argument(help: ArgumentHelp("The server: 127.0.0.1:9000, [::1]:9000. Port 0 with --exec: read it from the target's first output line.", valueName: "HOST:PORT"))
    var address: String

    @Flag(help: "TCP (the default).")
    var tcp = false

    @Flag(help: "UDP: one datagram per message.")
    var udp = false

    @Option(help: ArgumentHelp("The target's framing: a struct-style length format ('!I', '<i', 'H', 'Q', …), line, or raw (unframed); default '!I', or with --from the capture's (auto: as guessed there).", valueName: "SPEC"))
    var framing: String?

    @Option(help: ArgumentHelp("Seed the cases with a captured conversation (pcap/pcapng): its client messages before message k replayed as captured, message k mutated, for every k; its answers are the oracle (see above).", valueName: "FILE"))
    var from: String?

    @Option(help: "With --from: this TCP stream (or UDP flow with --udp); default the first with client messages.")
    var stream: Int?

    @Option(help: "The server's largest message body, for the limit-relative cases (default: learn it).")
    var maxMessage: Int?

    @Flag(help: "The length field counts the header too.")
    var lengthIncludesHeader = false

    @Option(help: "At most this many cases (the catalogue first, then mutations).")
    var cases = 5000

    @Option(help: ArgumentHelp("Stop after this long.", valueName: "seconds"))
    var duration = 120.0

    @Option(help: "The seed for the mutations (the same seed gives the same cases).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Only these families, comma-separated.", valueName: "LIST"))
    var families: String?

    @Option(help: ArgumentHelp("Start (and restart) the target with this shell command.", valueName: "CMD"))
    var exec: String?

    @Option(help: "The target's process id, to watch it for crashes and leaks.")
    var pid: Int32?

    @Option(help: "echo, reply, connect, or with --from replay (see above); default echo, with --from replay.")
    var oracle: String?

    @Option(help: ArgumentHelp("The probe message's text (a nonce is appended).", valueName: "TEXT"))
    var probe = "probe"

    @Option(help: ArgumentHelp("The right answer to the probe, {probe} standing for its body (e.g. 'echo: {probe}').", valueName: "TEXT"))
    var expect: String?

    @Option(help: ArgumentHelp("Write a report here: JSON (FILE.json) or a self-contained HTML page (FILE.html); give it twice for both.", valueName: "FILE"))
    var report: [String] = []

    @Option(help: ArgumentHelp("Write a JUnit XML report here for CI: a test case per family, a failure per distinct finding that fails the run.", valueName: "FILE.xml"))
    var junit: String?

    @Option(help: ArgumentHelp("Write a SARIF 2.1.0 report here for code scanning: a result per distinct finding, at the target's source line when its stderr shows a traceback.", valueName: "FILE.sarif"))
    var sarif: String?

    @Option(help: ArgumentHelp("The verdicts that set exit status 1, comma-separated (crash,hang), or none (default: every verdict but ok).", valueName: "VERDICTS"))
    var failOn: String?

    @Option(help: ArgumentHelp("For every distinct finding, a folder in DIR with case.json and exchange.pcap (the case re-run alone under a capture on lo; needs capture permission).", valueName: "DIR"))
    var record: String?

    @Option(help: ArgumentHelp("Play one case again instead of a run: a case id (with the run's --seed, --framing and --max-message) or a record folder. Says how often its verdict came back.", valueName: "CASE"))
    var replay: String?

    @Option(help: "With --replay: how many times to play the case.")
    var times = 3

    @Option(help: "Cases played to minimise each distinct finding (delta debugging over writes, bytes, close mode, hold time); 0 turns minimisation off.")
    var minimizeTries = 40

    @Option(help: ArgumentHelp("Language of the explanations: en or zh (默认随 LANG；zh 用课上的术语：粘包、拆包、报头).", valueName: "lang"))
    var lang: String?

    @Flag(help: "Allow a target that is not on a loopback address.")
    var allowRemote = false

    @Flag(help: "Print the cases (index, id, family, close mode, writes, note) without sending anything.")
    var list = false

    @Option(help: "Cases in flight at once, each on its own connections with its own probe.")
    var jobs = 8

    @Option(help: ArgumentHelp("The probe's timeout (default: from the baseline, 0.2 to 2 s).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("How long hold cases keep their connections open (at least twice the timeout).", valueName: "seconds"))
    var hold = 0.5

    @Flag(help: "No progress line and no per-failure lines on standard error.")
    var quiet = false

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let config: FuzzConfig
        do {
            config = try makeConfig()
        } catch let e as ValidationError {
            Terminal.error(e.message)
            throw ExitCode(2)
        }
        if list {
            printList(config)
            return
        }
        if config.from != nil && config.maxMessage == nil { Terminal.error(Self.limitNotLearned(config)) }
        let language = lang.flatMap(TextLanguage.init(rawValue:)) ?? TextLanguage.fromEnvironment(ProcessInfo.processInfo.environment)
        let quiet = self.quiet
        let engine = FuzzEngine(config: config) { line in if !quiet { Progress.clear(); Terminal.error(line) } }
        do {
            try engine.prepare()
        } catch {
            engine.shutdown()
            Terminal.error("\(error)")
            throw ExitCode(2)
        }
        // Said even with --quiet: it changes what the verdicts mean.
        if let why = engine.oracleFallback { Terminal.error("fuzz --from: \(why); falling back to --oracle reply (any well-formed answers, as many as captured)") }
        StopSignal.install(restart: true)
        Thread.detachNewThread {
            StopSignal.wait()
            engine.cancel()
        }
        if let what = replay {
            defer { engine.shutdown() }
            try runReplay(what, engine: engine, config: config, language: language)
            return
        }
        let ticker = quiet || isatty(2) == 0 ? nil : startTicker(engine)
        var result = engine.run()
        ticker?.cancel()
        Progress.clear()
        result.language = language
        var cfg = config
        cfg.maxMessage = result.limit
        let address = result.target
        let repro = { (f: Failure) in self.reproducer(f, config: cfg, address: address) }
        let log: (String) -> Void = { line in if !quiet { Terminal.error(line) } }
        EvidenceCollector(engine: engine, config: config, recordDir: record, minimizeTries: minimizeTries, language: language, log: log)
            .collect(&result, reproduce: repro)
        engine.shutdown()
        try output(result, config: cfg, reproduce: repro)
        if result.hasConfirmedFailure(on: try failingVerdicts()) { throw ExitCode(1) }
    }

    /// `--replay CASE`: the case (by id from this run's catalogue, or from a record folder)
    /// played alone `--times` times; exit 1 when a failing verdict came back.
    func runReplay(_ what: String, engine: FuzzEngine, config: FuzzConfig, language: TextLanguage) throws {
        let fuzzCase: FuzzCase
        var recorded: Verdict?
        var hold: Double?
        if FileManager.default.fileExists(atPath: what) {
            do {
                let r = try CaseRecord.load(what)
                (fuzzCase, recorded, hold) = (r.fuzzCase, r.verdict, r.hold)
            } catch {
                Terminal.error("\(error)")
                throw ExitCode(2)
            }
        } else {
            var options = config.catalogueOptions
            options.families = []
            options.limit = config.maxMessage ?? config.spec.maxMessage
            guard let c = config.caseSource(options).case(id: what) else {
                Terminal.error("--replay: no case '\(what)' in the catalogue for \(config.udp ? "UDP" : "TCP") with --framing \(config.spec), --seed \(config.seed), --max-message \(options.limit) (list them with --list; or give a record folder)")
                throw ExitCode(2)
            }
            fuzzCase = c
        }
        var tally = ReplayTally(fuzzCase: fuzzCase, recorded: recorded)
        for _ in 1 ... max(1, times) {
            let j = engine.judge(fuzzCase, hold: hold, lookForLeak: recorded == .leak || recorded == nil)
            tally.runs.append(.init(verdict: j.verdict, detail: j.detail, stderrTail: j.stderrTail))
        }
        _ = Terminal.writeAll(fd: 1, Array(tally.text(in: language).utf8))
        if tally.failed(on: try failingVerdicts()) { throw ExitCode(1) }
    }

    func makeConfig() throws -> FuzzConfig {
        if tcp && udp { throw ValidationError("--tcp or --udp, not both") }
        var parsed = ChatAddress(parsing: address)
        if parsed == nil, address.hasSuffix(":0"), let a = ChatAddress(parsing: String(address.dropLast(2)) + ":1") {
            parsed = ChatAddress(host: a.host, port: 0)
        }
        guard let addr = parsed else { throw ValidationError("'\(address)' is not HOST:PORT (127.0.0.1:9000, [::1]:9000)") }
        if addr.port == 0 && exec == nil && !list { throw ValidationError("port 0 means 'read it from the target', which needs --exec") }
        if let m = maxMessage, !(0...(1 << 30)).contains(m) { throw ValidationError("--max-message must be 0 to 1073741824") }
        var spec: FrameSpec
        do {
            spec = try FrameSpec(parsing: framing ?? (from == nil ? "!I" : "auto"), maxMessage: maxMessage ?? FrameSpec.defaultMaxMessage, lengthIncludesHeader: lengthIncludesHeader)
        } catch {
            throw ValidationError(error.description)
        }
        if stream != nil && from == nil { throw ValidationError("--stream chooses a stream of --from FILE") }
        let captured = try from.map { try seedConversation($0, maxMessage: maxMessage ?? FrameSpec.defaultMaxMessage) }
        if let c = captured { spec = c.spec.kind == .auto ? FrameSpec(.raw, maxMessage: spec.maxMessage) : c.spec }
        if spec.kind == .auto { throw ValidationError("--framing auto only guesses when reading; say the target's format ('!I', line, …)") }
        let oracleName = oracle ?? (from == nil ? "echo" : "replay")
        guard let mode = OracleMode(rawValue: oracleName), mode != .replay || from != nil else {
            throw ValidationError("--oracle: echo, reply or connect\(from == nil ? "" : " or replay"), not '\(oracleName)'\(oracleName == "replay" ? " (replay needs --from FILE)" : "")")
        }
        if expect != nil && (mode == .connect || mode == .replay) { throw ValidationError("--expect needs --oracle echo or reply") }
        guard (1...10_000_000).contains(cases) else { throw ValidationError("--cases must be 1 to 10000000") }
        guard duration > 0 && duration <= 86_400 else { throw ValidationError("--duration must be more than 0 and at most 86400 seconds") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1 to 64") }
        if let t = timeout, !(t > 0 && t <= 60) { throw ValidationError("--timeout must be more than 0 and at most 60 seconds") }
        guard hold >= 0 && hold <= 60 else { throw ValidationError("--hold must be 0 to 60 seconds") }
        if let p = pid, p <= 0 { throw ValidationError("--pid must be a process id") }
        if exec != nil && pid != nil { throw ValidationError("--exec watches the process it starts; leave out --pid") }
        if let l = lang, TextLanguage(rawValue: l) == nil {
            throw ValidationError("--lang must be one of: \(TextLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...1000).contains(times) else { throw ValidationError("--times must be 1 to 1000") }
        _ = try failingVerdicts()
        if (junit != nil || sarif != nil) && (list || replay != nil) { throw ValidationError("--junit and --sarif report a run: not with --list or --replay") }
        guard (0...10_000).contains(minimizeTries) else { throw ValidationError("--minimize-tries must be 0 to 10000") }
        for r in report where !(r.hasSuffix(".json") || r.hasSuffix(".html") || r.hasSuffix(".htm")) {
            throw ValidationError("--report \(r): name a .json or an .html file")
        }
        var c = FuzzConfig(address: addr, spec: spec)
        c.udp = udp
        c.maxMessage = maxMessage
        c.cases = cases
        c.duration = duration
        c.seed = seed
        if let f = families {
            var set = Set<Family>()
            for name in f.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let fam = Family(rawValue: name) else {
                    throw ValidationError("--families: no family '\(name)'; the families are \(Family.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                set.insert(fam)
            }
            c.families = set
            var all = c.catalogueOptions
            all.families = []
            let applicable = all.applicableFamilies
            // (With --from, message k cut at other write boundaries is write_boundaries on any TCP framing.)
            if c.catalogueOptions.applicableFamilies.isEmpty && !(captured != nil && !udp && set.contains(.writeBoundaries)) {
                throw ValidationError("--families: none of these applies to \(udp ? "UDP" : "TCP") with --framing \(spec); these do: \(applicable.map(\.rawValue).joined(separator: ", "))")
            }
        }
        c.exec = exec
        c.pid = pid
        c.oracle = mode
        c.probe = probe
        c.expect = expect
        c.allowRemote = allowRemote
        c.jobs = jobs
        c.timeout = timeout
        c.hold = hold
        c.from = captured
        return c
    }

    private func printList(_ config: FuzzConfig) {
        let catalogue = config.caseSource(config.catalogueOptions)
        var text = ""
        for i in 0..<catalogue.count(limit: config.cases) {
            guard let c = catalogue.case(i) else { break }
            let bytes = c.writes.reduce(0) { $0 + $1.count }
            text += "\(i + 1) \(c.id) \(c.family.rawValue) \(c.close.rawValue) writes=\(c.writes.count) bytes=\(bytes)"
            text += (c.connections > 1 ? " connections=\(c.connections)" : "") + " \(c.note)\n"
            if text.utf8.count > 1 << 16 {
                guard Terminal.writeAll(fd: 1, Array(text.utf8)) else { return }
                text = ""
            }
        }
        _ = Terminal.writeAll(fd: 1, Array(text.utf8))
    }

    private func startTicker(_ engine: FuzzEngine) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 0.25, repeating: 0.25)
        timer.setEventHandler {
            let p = engine.progress
            let rate = p.elapsed > 0 ? Double(p.done) / p.elapsed : 0
            let counts = Verdict.allCases.compactMap { v in p.counts[v].flatMap { $0 > 0 ? "\(v.rawValue) \($0)" : nil } }
            Progress.show("framescope fuzz: \(Progress.grouped(p.done))/\(Progress.grouped(p.total)) cases, \(Progress.grouped(Int(rate)))/s, " + counts.joined(separator: ", "))
        }
        timer.resume()
        return timer
    }

    /// The command that plays this case again, alone, against the same target (`--replay`).
    func reproducer(_ f: Failure, config: FuzzConfig, address: String) -> String {
        // (With --from and no --framing, the framing the capture was found to have.)
        var r = Reproducer(address: exec == nil ? address : self.address, framing: framing ?? config.spec.description,
                           maxMessage: config.maxMessage ?? config.spec.maxMessage, seed: seed, hold: hold)
        (r.udp, r.lengthIncludesHeader, r.oracle, r.probe, r.expect) = (udp, lengthIncludesHeader, oracle ?? (from == nil ? "echo" : "replay"), probe, expect)
        (r.timeout, r.exec, r.pid, r.allowRemote, r.from, r.stream) = (timeout, exec, pid, allowRemote, from, stream)
        return r.command(for: f.fuzzCase)
    }

    private func output(_ r: FuzzReport, config: FuzzConfig, reproduce repro: (Failure) -> String) throws {
        var text = "framescope fuzz \(r.target) (\(r.transport), \(r.format)): \(r.cases) cases in \(String(format: "%.1f", r.duration)) s"
        text += r.duration > 0 ? String(format: " (%.0f cases/s)", Double(r.cases) / r.duration) : ""
        text += ", seed \(r.seed), limit \(r.limit) bytes\(r.limitLearned ? " (learned)" : "")"
        if r.restarts > 0 { text += ", \(r.restarts) restart\(r.restarts == 1 ? "" : "s")" }
        text += "\n\n" + r.tableText() + "\n"
        if let why = r.stoppedEarly { text += "\nstopped early: \(why)\n" }
        text += r.summaryText(reproduce: repro)
        var files = report.map { path in
            (path, path.hasSuffix(".json") ? r.json(reproduce: repro) : Array(r.html(reproduce: repro, spec: config.spec).utf8))
        }
        let failing = try failingVerdicts()
        if let path = junit {
            files.append((path, r.junit(families: config.catalogueOptions.applicableFamilies, failOn: failing, reproduce: repro)))
        }
        if let path = sarif {
            let tool = SARIFTool(name: "framescope", version: Framescope.version, informationURI: Self.informationURI)
            let cwd = FileManager.default.currentDirectoryPath
            files.append((path, r.sarif(tool: tool, directory: cwd, program: targetProgram(), failOn: failing, reproduce: repro)))
        }
        for (path, bytes) in files {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0, Terminal.writeAll(fd: fd, bytes) else {
                if fd >= 0 { close(fd) }
                Terminal.error("cannot write the report \(path): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            close(fd)
            text += "\nreport: \(path)"
        }
        if !files.isEmpty { text += "\n" }
        if let dir = record { text += "records: \(dir)\n" }
        _ = Terminal.writeAll(fd: 1, Array(text.utf8))
    }
}
