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
#if canImport(Glibc)
import Glibc
#endif

/// The README's first command and framescope's main job on its embedded default: the reference
/// chat servers, scripted clients, a live capture on `lo`, and everything framescope shows about
/// it, explained in plain words (`DemoText`).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the reference chat servers and scripted clients, capture them live on lo, and explain what the capture shows.",
        discussion: """
        The socket lesson, part by part, on framescope's own servers and clients, captured live \
        on lo and explained (--lang zh: in Chinese, in the lesson's words 粘包, 拆包, 报头):
          turns     the lesson's first chat as it is: bare text, strict turns
          sticky    three messages in ONE write arrive in one segment (粘包)
          split     100,000 bytes over several segments (拆包), against the MTU
          clients   three clients talk to one server at once: one stream each
          udp       datagrams sent back to back stay apart: no 粘包 in UDP
          receiver  segments read late by ONE recv(): sticky at the receiver
          mtu       100,000 bytes across a veth pair with MTU 1500 (root, netns)
          naive     one script to serve text --naive and serve text
          fuzz      the fuzzer against the naive text server (at most 6 s)
        The mtu part makes two network namespaces and always removes them; where \
        that is not allowed it says why and is skipped. \
        Each part prints its paragraph, its frames (one line each) and its messages. sticky and \
        split share one exchange (framed '!I' and text servers), shown with the OSI layers of \
        the sticky and of the split segment and the ladder diagram (ladder.svg). Captures go to \
        the output folder: demo.pcap for sticky/split, NAME.pcap for each other part; with \
        --part NAME (one part) its capture is demo.pcap. The fuzz report is fuzz-report.html \
        and fuzz-report.json. --step waits for Enter after each part (when standard input is a \
        terminal). Needs root (capture), like `live`. About 10 seconds in all.
        """
    )

    @Option(help: "Folder for the captures (demo.pcap, NAME.pcap), ladder.svg and the fuzz report.")
    var out = "framescope-demo"

    @Option(help: ArgumentHelp("Run only this part (or several, comma-separated): turns, sticky, split, clients, udp, receiver, mtu, naive, fuzz.", valueName: "name"))
    var part: [String] = []

    /// tools/make-captures.sh: a shorter message for the mtu sample capture (captures/mtu-1500.pcap).
    @Option(help: .hidden)
    var mtuBytes = 100_000

    @Flag(help: "List the parts and exit.")
    var list = false

    @Flag(help: "Classroom mode: wait for Enter after each part (no wait when standard input is not a terminal).")
    var step = false

    @Option(help: ArgumentHelp("Language of the explanations: en or zh (默认随 LANG；zh 用课上的术语：粘包、拆包、报头).", valueName: "lang"))
    var lang: String?

    func validate() throws {
        if let l = lang, DemoLanguage(rawValue: l) == nil {
            throw ValidationError("--lang must be one of: \(DemoLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try selected()
        guard (10 ... 1_000_000).contains(mtuBytes) else { throw ValidationError("--mtu-bytes must be 10 to 1000000") }
    }

    /// What the framed client sends, turn by turn (a turn is one write).
    static let framedTurns: [[String]] = [
        ["hello, server"],
        ["one", "two", "three"],
        [String(repeating: "0123456789", count: 10_000)],
        ["Q"],
    ]
    /// What the text client sends.
    static let textTurns: [[String]] = [
        ["hi there"],
        ["line one", "line two"],
        ["Q"],
    ]

    func run() throws {
        StopSignal.install()
        let language = lang.flatMap(DemoLanguage.init(rawValue:)) ?? DemoLanguage.fromEnvironment(environment())
        let style = TextStyle(colour: Terminal.colourWanted(fd: 1))
        if list {
            let names = language.parts.list
            let text = DemoPart.allCases.map { "  " + padded($0.rawValue, 10) + (names[$0] ?? "") }.joined(separator: "\n")
            _ = Terminal.writeAll(fd: 1, Array((text + "\n").utf8))
            return
        }
        let parts = try selected()
        // The output folder first: a folder that cannot be written stops the demo here.
        mkdir(out, 0o755)
        guard access(out, W_OK) == 0 else {
            Terminal.error("cannot write to \(out)")
            throw ExitCode(2)
        }
        let ctx = DemoContext(language: language, style: style, out: out, single: parts.count == 1, mtuBytes: mtuBytes)
        let pauses = step && isatty(0) != 0
        var failed = false
        var classicShown = false
        for (i, part) in parts.enumerated() where !StopSignal.requested {
            var ok = true
            switch part {
            case .turns: ok = ctx.turns()
            case .sticky, .split:
                if classicShown { continue }
                classicShown = true
                let shown = parts.filter { $0 == .sticky || $0 == .split }
                headline(shown, ctx)
                ok = try runClassic(ctx, showing: Set(parts).intersection([.sticky, .split]))
            case .clients: ok = ctx.clients()
            case .udp: ok = ctx.udp()
            case .receiver: ok = ctx.receiver()
            case .mtu: ok = ctx.mtu()
            case .naive: ok = ctx.naive()
            case .fuzz:
                headline([.fuzz], ctx)
                ok = fuzzNaiveServer(say: language.text, language: language, out: out, style: style)
            }
            if !ok { failed = true }
            let rest = parts[(i + 1)...].filter { !(classicShown && ($0 == .sticky || $0 == .split)) }
            if pauses, let next = rest.first, !StopSignal.requested {
                _ = Terminal.writeAll(fd: 1, Array((language.parts.step(next) + "\n").utf8))
                _ = readLine()
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// `━━ part sticky: …` over the parts whose sections have numbered titles of their own.
    func headline(_ parts: [DemoPart], _ ctx: DemoContext) {
        let sink = ByteSink()
        for p in parts { sink.write(ctx.text.partTitle(p, ctx.text.list[p] ?? "") + "\n") }
        sink.write("\n")
        ctx.emit(sink)
    }

    /// The parts named by --part (comma-separated or repeated), in the demo's order; all by default.
    func selected() throws -> [DemoPart] {
        let names = part.flatMap { $0.split(separator: ",").map { String($0).trimmingSpaces() } }
        guard !names.isEmpty else { return DemoPart.allCases }
        var wanted: Set<DemoPart> = []
        for n in names {
            guard let p = DemoPart(rawValue: n) else {
                throw ValidationError("--part: no part '\(n)'; the parts are: \(DemoPart.allCases.map(\.rawValue).joined(separator: ", ")) (demo --list)")
            }
            wanted.insert(p)
        }
        return DemoPart.allCases.filter(wanted.contains)
    }

    /// Fuzzes an in-process `serve text --naive` (one recv() taken for one message: the
    /// lesson's sticky-packet bug) with the `line` family, minimises what it finds, writes the
    /// HTML and JSON reports next to the capture, and prints the findings with their explanation.
    /// The naive *framed* server trusts its header but frames correctly, so the liveness oracle
    /// finds nothing there; the text one shows the lesson's bug. False when the step failed.
    func fuzzNaiveServer(say: DemoText, language: TextLanguage, out: String, style: TextStyle) -> Bool {
        var naiveConfig = ChatServerConfig(kind: .text(.echo))
        naiveConfig.naive = true
        naiveConfig.threads = 1
        let naive: ChatServer
        do { naive = try ChatServer.start(naiveConfig) } catch {
            Terminal.error("cannot start the naive server for the fuzz step: \(error)")
            return false
        }
        defer { naive.shutdown() }
        let seconds = 6
        let args = ["127.0.0.1:\(naive.port)", "--framing", "line", "--expect", "echo: {probe}", "--families", "line",
                    "--max-message", "1000", "--cases", "120", "--duration", String(seconds), "--jobs", "4"]
        guard let command = try? FuzzCommand.parse(args), let config = try? command.makeConfig() else { return false }
        let engine = FuzzEngine(config: config) { _ in }
        defer { engine.shutdown() }
        do { try engine.prepare() } catch {
            Terminal.error("the fuzz step could not start: \(error)")
            return false
        }
        var result = engine.run()
        result.language = language
        // The reproducer starts its own naive server (the demo's is gone by then).
        guard let replayer = try? FuzzCommand.parse(["127.0.0.1:0", "--framing", "line", "--expect", "echo: {probe}",
                                                     "--exec", "framescope serve text --naive --port 0 --quiet"]) else { return false }
        var cfg = config
        cfg.maxMessage = result.limit
        let repro = { (f: Failure) in replayer.reproducer(f, config: cfg, address: "127.0.0.1:0") }
        EvidenceCollector(engine: engine, config: config, recordDir: nil, minimizeTries: 8, language: language, log: { _ in })
            .collect(&result, reproduce: repro)
        let htmlPath = out + "/fuzz-report.html", jsonPath = out + "/fuzz-report.json"
        let wrote = writeFile(htmlPath, result.html(reproduce: repro, spec: config.spec))
            && writeFile(jsonPath, String(decoding: result.json(reproduce: repro), as: UTF8.self))
        let sink = ByteSink()
        style.heading(say.fuzzTitle(seconds), into: sink)
        sink.write(wrapped(say.fuzz, width: 100) + "\n\n" + say.fuzzResult(result.cases, result.findings.count) + "\n")
        for (n, (f, count)) in result.findings.enumerated() {
            let ex = f.explained(in: language)
            sink.write("  \(n + 1). \(f.verdict.rawValue) · \(f.fuzzCase.id) (\(count)): \(f.fuzzCase.note)\n")
            sink.write("     \(f.detail)\n     \(ex.text)\n")
            if let m = result.evidence[f.fuzzCase.id]?.minimized {
                sink.write("     minimised: " + m.writes.map { MessageLines.quoted($0, limit: 60) }.joined(separator: " | ") + "\n")
            }
            sink.write("     \(repro(f))\n")
        }
        sink.write("\n" + say.fuzzReport(htmlPath) + "\n")
        _ = sink.withBytes { Terminal.writeAll(fd: 1, $0) }
        if !wrote { Terminal.error("cannot write \(htmlPath)") }
        return wrote
    }

    func environment() -> [String: String] {
        var env: [String: String] = [:]
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let v = getenv(name) { env[name] = String(cString: v) }
        }
        return env
    }
}


/// `text` folded at spaces to lines of at most `width` columns; a CJK character takes two
/// columns, and CJK text (which has no spaces) may be folded between any two characters.
func wrapped(_ text: String, width: Int) -> String {
    func columns(_ c: Character) -> Int {
        guard let v = c.unicodeScalars.first?.value else { return 0 }
        // CJK ideographs and punctuation, Hangul, fullwidth forms: two columns.
        return (0x1100 ... 0x115F).contains(v) || (0x2E80 ... 0xA4CF).contains(v) || (0xAC00 ... 0xD7A3).contains(v)
            || (0xF900 ... 0xFAFF).contains(v) || (0xFE30 ... 0xFE4F).contains(v) || (0xFF00 ... 0xFF60).contains(v) ? 2 : 1
    }
    var out = ""
    for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        if n > 0 { out += "\n" }
        var current: [Character] = []
        var used = 0
        var lastBreak: Int? = nil  // index in `current` after which a fold may go
        for c in line {
            let w = columns(c)
            // Closing punctuation stays on the line it closes (a line never starts with "，").
            if used + w > width, !current.isEmpty, !"，。；：、）」』！？".contains(c) {
                let cut = lastBreak ?? current.count
                out += String(current[..<cut]).trimmingSpaces() + "\n"
                current = Array(current[cut...].drop { $0 == " " })
                used = current.reduce(0) { $0 + columns($1) }
                lastBreak = nil
            }
            current.append(c)
            used += w
            if c == " " || w == 2 { lastBreak = current.count }
        }
        out += String(current)
    }
    return out
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
