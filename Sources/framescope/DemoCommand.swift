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
        Starts `serve framed` (the lesson's '!I' length header, echo) and `serve text` (lines, \
        echo) on free ports of 127.0.0.1, captures on lo with a filter for those ports, and runs \
        two clients: the framed one sends a message and waits for the answer, then three \
        messages in ONE write (they arrive in one segment: sticky packets, 粘包), then a \
        100,000-byte message (TCP splits it: 拆包), then Q; the text one does the same with \
        lines. Then it prints every frame, the OSI layers of the sticky and of the split \
        segment, the messages with the frames that carried them, and the ladder diagram of the \
        framed conversation, with what each shows. The capture (demo.pcap) and the ladder as a \
        picture (ladder.svg) are written to the output folder.
        Then the fuzzer runs for a few seconds against the lesson's naive text server and says \
        what it found and why; its report (fuzz-report.html, fuzz-report.json) goes to the same \
        folder. Needs root (capture), like `live`. About 10 seconds.
        """
    )

    @Option(help: "Folder for demo.pcap and ladder.svg.")
    var out = "framescope-demo"

    @Option(help: ArgumentHelp("Language of the explanations: en or zh (默认随 LANG；zh 用课上的术语：粘包、拆包、报头).", valueName: "lang"))
    var lang: String?

    func validate() throws {
        if let l = lang, DemoLanguage(rawValue: l) == nil {
            throw ValidationError("--lang must be one of: \(DemoLanguage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
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
        let say = language.text
        let bang = FrameSpec.lessonDefault

        // 1. The servers, as `serve` runs them (a larger message limit for the long message).
        var framedConfig = ChatServerConfig(kind: .framed(bang, .echo))
        framedConfig.limits.maxMessage = 1 << 20
        framedConfig.threads = 1
        var textConfig = ChatServerConfig(kind: .text(.echo))
        textConfig.threads = 1
        let framed: ChatServer, text: ChatServer
        do {
            framed = try ChatServer.start(framedConfig)
            text = try ChatServer.start(textConfig)
        } catch {
            Terminal.error("cannot start the demo's servers on 127.0.0.1: \(error)")
            throw ExitCode(2)
        }
        defer {
            framed.shutdown()
            text.shutdown()
        }

        // 2. The capture, filtered to the two servers.
        let capture: LiveCapture
        do {
            capture = try LiveCapture(interface: "lo", bufferSize: 32 << 20, filter: "tcp port \(framed.port) or tcp port \(text.port)")
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        defer { capture.close() }
        // The output folder and file first: a folder that cannot be written stops the demo here.
        mkdir(out, 0o755)
        let pcapPath = out + "/demo.pcap", svgPath = out + "/ladder.svg"
        let writer: PcapWriter
        do {
            writer = try PcapWriter(path: pcapPath, linkType: capture.linkType, snaplen: capture.snaplen)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(2)
        }

        // 3. The clients, on another thread while this one captures.
        let clients = DemoClients.start(framedPort: framed.port, textPort: text.port, spec: bang)
        let frames = collectFrames(from: capture, settle: 0.3, giveUp: 20, stop: { StopSignal.requested }) { clients.isFinished }
        if !clients.isFinished { Terminal.error("the demo's clients did not finish within 20 s") }
        if let e = clients.error { Terminal.error("the demo exchange failed: \(e)") }

        var failed = clients.error != nil || !clients.isFinished
        do {
            for f in frames { try f.withRaw { try writer.write($0) } }
            try writer.close()
        } catch {
            Terminal.error("\(error)")
            failed = true
        }

        // 4. Everything framescope shows about it.
        let report = DemoReport(frames: frames, framedPort: UInt16(framed.port), textPort: UInt16(text.port))
        let sink = ByteSink()
        let style = TextStyle(colour: Terminal.colourWanted(fd: 1))
        report.render(say: say, pcapPath: pcapPath, svgPath: svgPath, style: style, into: sink)
        _ = sink.withBytes { Terminal.writeAll(fd: 1, $0) }
        if let svg = report.ladderSVG(title: "framescope demo: the framed conversation"), !writeFile(svgPath, svg) {
            Terminal.error("cannot write \(svgPath)")
            failed = true
        }
        // 5. The last step: the fuzzer against the lesson's naive server, for a few seconds.
        if !StopSignal.requested && !fuzzNaiveServer(say: say, language: language, out: out, style: style) { failed = true }
        if failed { throw ExitCode(1) }
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
