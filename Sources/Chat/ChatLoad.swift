// `framescope chat --load N --clients C [--burst K]`: a load client for echo servers. C
// connections, each doing N round trips (send a framed message, wait for its echo), all driven
// from one thread with poll(2) so the measurement itself costs one core at most. With K > 1 each
// connection pipelines: K messages in one write, the next K once all K echoes are back; a round
// trip is still one message and its echo, timed from the write that carried it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Framing
import Sockets

public struct LoadOptions: Sendable {
    public var address: ChatAddress
    public var spec: FrameSpec
    public var clients = 1
    /// Round trips per client.
    public var roundTrips = 10_000
    /// Body size of each message (bytes).
    public var bodySize = 32
    /// Messages per write, and in flight per connection (1: strict ping-pong).
    public var pipeline = 1
    /// A round trip that takes longer than this fails the run.
    public var timeout = 5.0
    public var allowRemote = false

    public init(address: ChatAddress, spec: FrameSpec) {
        self.address = address
        self.spec = spec
    }
}

public struct LoadResult: Sendable {
    public var roundTrips: Int
    public var seconds: Double
    /// Every round trip's latency, sorted (seconds).
    public var latencies: [Double]

    public var perSecond: Double { seconds > 0 ? Double(roundTrips) / seconds : 0 }

    /// The q-quantile latency (nearest rank), in seconds.
    public func quantile(_ q: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let rank = Int((q * Double(latencies.count)).rounded(.up)) - 1
        return latencies[min(max(rank, 0), latencies.count - 1)]
    }

    /// `round_trips=… seconds=… per_second=… p50_ms=… p99_ms=… max_ms=…`: one line for scripts.
    public var report: String {
        func f(_ x: Double, _ digits: Int) -> String {
            var s = String(Double(Int((x * pow10(digits)).rounded())) / pow10(digits))
            if s.hasSuffix(".0") { s.removeLast(2) }
            return s
        }
        return "round_trips=\(roundTrips) seconds=\(f(seconds, 3)) per_second=\(f(perSecond, 0)) "
            + "p50_ms=\(f(quantile(0.5) * 1000, 3)) p99_ms=\(f(quantile(0.99) * 1000, 3)) max_ms=\(f((latencies.last ?? 0) * 1000, 3))"
    }

    private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { x, _ in x * 10 } }
}

public enum ChatLoad {
    /// Runs the load; throws on a connection failure, a wrong echo, a close or a timeout.
    public static func run(_ options: LoadOptions) throws -> LoadResult {
        var spec = options.spec
        spec.maxMessage = Int.max
        let body = (0..<options.bodySize).map { UInt8(0x61 + $0 % 26) }
        let frame: [UInt8]
        do { frame = try spec.encode(body) } catch { throw ChatClientError("cannot frame a \(options.bodySize)-byte body: \(error)") }
        let clients = max(1, min(options.clients, 10_000))
        var sockets: [ClientSocket] = []
        for _ in 0..<clients {
            sockets.append(try ClientSocket(options.address, udp: false, noDelay: true, allowRemote: options.allowRemote, timeout: options.timeout))
        }
        let depth = max(1, min(options.pipeline, 4096))
        let batch = Array([[UInt8]](repeating: frame, count: depth).joined())
        var received = [Int](repeating: 0, count: clients)
        var done = [Int](repeating: 0, count: clients)
        var sentAt = [Double](repeating: 0, count: clients)
        var inFlight = [Int](repeating: 0, count: clients)
        // The next write of connection i: up to `depth` messages, no more than it has left.
        func send(_ i: Int) throws {
            let n = min(depth, options.roundTrips - done[i])
            sentAt[i] = monotonicSeconds()
            inFlight[i] = n
            let ok = n == depth ? sockets[i].sendAll(batch) : sockets[i].sendAll(Array(batch.prefix(n * frame.count)))
            guard ok else { throw ChatClientError("send failed") }
        }
        var latencies: [Double] = []
        latencies.reserveCapacity(clients * options.roundTrips)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var fds = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let start = monotonicSeconds()
        for i in 0..<clients where options.roundTrips > 0 { try send(i) }
        var active = options.roundTrips > 0 ? clients : 0
        var lastProgress = monotonicSeconds()
        while active > 0 {
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready < 0 {
                if errno == EINTR { continue }
                throw ChatClientError("poll: \(String(cString: strerror(errno)))")
            }
            if ready == 0 {
                if monotonicSeconds() - lastProgress > options.timeout { throw ChatClientError("no echo within \(options.timeout) s") }
                continue
            }
            for i in 0..<clients where fds[i].revents != 0 {
                fds[i].revents = 0
                let n = buffer.withUnsafeMutableBytes { recv(sockets[i].fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    throw ChatClientError("the server closed connection \(i) after \(done[i]) round trips")
                }
                // The echo of a frame is the same frame: check it byte for byte.
                var k = 0
                while k < n {
                    let take = min(n - k, frame.count - received[i])
                    for j in 0..<take where buffer[k + j] != frame[received[i] + j] {
                        // Say what came instead: often the server's error message (a size it refuses).
                        let got = ChatReply.show(Array(buffer[k ..< min(n, k + 60)]))
                        throw ChatClientError("wrong echo on connection \(i) at round trip \(done[i] + 1): got '\(got)'")
                    }
                    received[i] += take
                    k += take
                    if received[i] == frame.count {
                        let t = monotonicSeconds()
                        latencies.append(t - sentAt[i])
                        lastProgress = t
                        received[i] = 0
                        done[i] += 1
                        inFlight[i] -= 1
                        if inFlight[i] > 0 { continue }
                        if done[i] < options.roundTrips {
                            try send(i)
                        } else {
                            fds[i].events = 0
                            active -= 1
                        }
                    }
                }
            }
        }
        let seconds = monotonicSeconds() - start
        for s in sockets { s.closeNow() }
        latencies.sort()
        return LoadResult(roundTrips: latencies.count, seconds: seconds, latencies: latencies)
    }
}
