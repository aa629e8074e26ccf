@testable import framescope
import Foundation
import XCTest

/// A server's event loop logs through BoundedLog: a reader that does not read must not stop it.
final class BoundedLogTests: XCTestCase {
    func testPostingNeverWaitsOnAStuckReaderAndCountsWhatItDrops() throws {
        signal(SIGPIPE, SIG_IGN)  // as the servers do
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let log = BoundedLog(fd: fds[1], prefix: "t: ", capacity: 100)
        let line = String(repeating: "x", count: 200)
        let start = Date()
        for _ in 0 ..< 5_000 { log.post(line) }  // ~1 MB into a 64 KB pipe nobody reads yet
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "posting waited on the reader")

        // Now read: the queued lines come out, and the count of the dropped ones with them.
        let flags = fcntl(fds[0], F_GETFL)
        _ = fcntl(fds[0], F_SETFL, flags | O_NONBLOCK)
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 65536)
        // Until the count has come (the queue's thread may be slow to start on a busy machine),
        // then until everything queued is out (no bytes for 0.3 s), so no write is left pending
        // when the pipe is closed.
        let deadline = Date().addingTimeInterval(20)
        var quiet = 0
        while Date() < deadline, !text.contains("dropped") || quiet < 30 {
            let n = read(fds[0], &buffer, buffer.count)
            if n > 0 {
                text += String(decoding: buffer[0 ..< n], as: UTF8.self)
                quiet = 0
            } else {
                quiet += 1
                usleep(10_000)
            }
        }
        log.drain(seconds: 2)
        XCTAssertTrue(text.contains("log lines dropped: nobody was reading)"), String(text.suffix(200)))
        XCTAssertTrue(text.contains("t: x"), String(text.prefix(200)))
    }
}
