import ArgumentParser
import Capture
import Wire
#if canImport(Glibc)
import Glibc
#endif

struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Capture on an interface (default lo) and decode as frames arrive.",
        discussion: """
        Opens the interface with libpcap in immediate mode (frames are shown as they arrive), \
        applies the BPF filter in the kernel, and stops on -c, --duration, Ctrl-C or SIGTERM — \
        always reading what the kernel already holds, flushing the -w file and printing \
        libpcap's counters to standard error.

        With -w FILE -q (only writing a file) there is nobody to show frames to, so libpcap \
        hands them over a ring block at a time, as tcpdump -w does: the kernel ring then holds \
        seconds of traffic instead of milliseconds. Measured on lo (tools/bench/capture-load.sh): \
        no frame dropped at 130,000 frames/s with --buffer 32 (110,000 with --buffer 2). Decoding \
        as frames arrive falls behind first; when the kernel drops, the stop line says so: capture \
        with -w FILE -q, then decode with `framescope read FILE`.

        On Linux lo every packet passes the capture point twice (going out and coming in) and \
        libpcap keeps one copy, so its 'received' counter is about twice the frames captured: \
        that is not loss. Loss shows as 'dropped by kernel'.

        Needs root, or: setcap cap_net_raw,cap_net_admin=eip $(which framescope)

        Examples:
          framescope live 'tcp port 9000'
          framescope live -i lo -c 20 -V 'udp port 9001'
          framescope live --duration 10 -w chat.pcap 'port 9000'
          framescope live -w ring.pcap --rotate 10:5      # 5 files of 10 MB, oldest reused
        """
    )

    @Option(name: [.customShort("i"), .long], help: "Interface to capture on (see `framescope interfaces`).")
    var interface = "lo"

    @Argument(help: ArgumentHelp("BPF filter expression (several words are joined).", valueName: "filter"))
    var filter: [String] = []

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(name: [.customShort("w"), .long], help: "Also write the captured frames to this pcap file.")
    var write: String?

    @Option(help: ArgumentHelp("With -w: a ring of N files of MB megabytes each, like tcpdump -C MB -W N.", valueName: "MB:N"))
    var rotate: String?

    @Option(help: "Bytes to capture of each frame (loopback segments reach 64 KB and more with GSO).")
    var snaplen = 262_144

    @Option(help: ArgumentHelp("Kernel capture ring in MB. In immediate mode (decoding as frames arrive) its blocks are handed over almost empty, so it holds little: raise it (e.g. 256) when the stop line warns of drops. With -w -q even 2 MB kept up with 110,000 frames/s on lo; 256 MB let decoding keep up with 115,000.", valueName: "MB"))
    var buffer: Int = 32

    @Flag(name: [.customShort("q"), .long], help: "Print nothing per frame (useful with -w).")
    var quiet = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if snaplen < 64 || snaplen > 262_144 { throw ValidationError("--snaplen must be between 64 and 262144") }
        if buffer < 1 || buffer > 4096 { throw ValidationError("--buffer must be between 1 and 4096 MB") }
        if rotate != nil && write == nil { throw ValidationError("--rotate needs -w FILE") }
        if let r = rotate, parseRotate(r) == nil { throw ValidationError("--rotate takes MB:N, e.g. 10:5") }
    }

    func parseRotate(_ s: String) -> (Int64, Int)? {
        let parts = s.split(separator: ":")
        guard parts.count == 2, let mb = Int64(parts[0]), let n = Int(parts[1]), mb > 0, n > 0 else { return nil }
        return (mb * 1_000_000, n)
    }

    func run() throws {
        // Only writing a file (-w -q): nobody watches frame by frame, so libpcap may hand them
        // over a ring block at a time — the ring then holds seconds of traffic, not milliseconds.
        let source = try FrameSource.live(interface: interface, filter: filter, duration: duration,
                                          snaplen: snaplen, bufferMegabytes: buffer, immediate: !(quiet && write != nil))
        defer { source.close() }
        guard let format = source.liveFormat else { return }

        var sinkFile: FrameSink? = nil
        if let path = write {
            do {
                if let r = rotate, let (bytes, n) = parseRotate(r) {
                    sinkFile = .ring(try RotatingPcapWriter(path: path, maxBytesPerFile: bytes, fileCount: n,
                                                            linkType: format.linkType, snaplen: format.snaplen))
                } else {
                    sinkFile = .single(try PcapWriter(path: path, linkType: format.linkType, snaplen: format.snaplen))
                }
            } catch {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
        }

        let printer = FramePrinter(output, interactive: true)
        var failure: PcapError? = nil
        let limit = output.count ?? .max
        while source.frameNumber < limit {
            do {
                guard let raw = try source.next() else { break }
                try sinkFile?.write(raw)
                if !quiet { printer.handle(raw, number: source.frameNumber) }
            } catch {
                failure = error
                break
            }
        }
        printer.finish()
        do { try sinkFile?.close() } catch {
            Terminal.error(error.description)
            failure = failure ?? error
        }
        source.reportEnd(writtenTo: write)
        if let e = failure {
            Terminal.error(e.description)
            throw ExitCode(1)
        }
    }
}

/// Where `-w` frames go: one file or a ring.
enum FrameSink {
    case single(PcapWriter)
    case ring(RotatingPcapWriter)

    func write(_ raw: RawFrame) throws(PcapError) {
        switch self {
        case .single(let w): try w.write(raw)
        case .ring(let w): try w.write(raw)
        }
    }

    func close() throws(PcapError) {
        switch self {
        case .single(let w): try w.close()
        case .ring(let w): try w.close()
        }
    }
}
