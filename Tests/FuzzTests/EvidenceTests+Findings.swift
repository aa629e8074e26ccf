import Foundation
import XCTest
@testable import Fuzz

/// One bug, one finding (issue 19): failures grouped by the target's failure signature, the
/// JSON's `findings` and `unconfirmed`, the exit status through confirmed findings only, and the
/// causes explained. The tracebacks below are real: Python 3.11.7 and GCC's AddressSanitizer.
extension EvidenceTests {
    static let pythonNegative = """
    Traceback (most recent call last):
      File "/tmp/tb/neg.py", line 6, in <module>
        handle(a)
      File "/tmp/tb/neg.py", line 4, in handle
        return conn.recv(n)
               ^^^^^^^^^^^^
    ValueError: negative buffersize in recv

    """

    static let pythonMemoryErrorInThread = """
    Exception in thread Thread-1 (handle):
    Traceback (most recent call last):
      File "/root/.pyenv/versions/3.11.7/lib/python3.11/threading.py", line 1045, in _bootstrap_inner
        self.run()
      File "/root/.pyenv/versions/3.11.7/lib/python3.11/threading.py", line 982, in run
        self._target(*self._args, **self._kwargs)
      File "/tmp/tb/mem.py", line 4, in handle
        buf = bytearray(n)
              ^^^^^^^^^^^^
    MemoryError

    """

    static let asanOverflow = """
    =================================================================
    ==24444==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000018 at pc 0x563365f34305 bp 0x7fffb3573a10 sp 0x7fffb3573a08
    READ of size 4 at 0x602000000018 thread T0
        #0 0x563365f34304 in parse_header /tmp/tb/srv.c:4
        #1 0x563365f343dd in main /tmp/tb/srv.c:5
        #2 0x7fa16fe45249 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58
        #3 0x7fa16fe45304 in __libc_start_main_impl ../csu/libc-start.c:360
        #4 0x563365f340f0 in _start (/tmp/tb/srv+0x10f0)

    0x602000000018 is located 4 bytes to the right of 4-byte region [0x602000000010,0x602000000014)
    allocated by thread T0 here:
        #0 0x7fa1700b89cf in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
        #1 0x563365f341d1 in parse_header /tmp/tb/srv.c:4
        #2 0x563365f343dd in main /tmp/tb/srv.c:5
        #3 0x7fa16fe45249 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58

    SUMMARY: AddressSanitizer: heap-buffer-overflow /tmp/tb/srv.c:4 in parse_header
    Shadow bytes around the buggy address:
      0x0c047fff7ff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    =>0x0c047fff8000: fa fa 04[fa]fa fa fa fa fa fa fa fa fa fa fa fa
    Shadow byte legend (one shadow byte represents 8 application bytes):
      Addressable:           00
      Heap left redzone:       fa
    ==24444==ABORTING

    """

    static let asanAllocationTooBig = """
    =================================================================
    ==24531==ERROR: AddressSanitizer: requested allocation size 0xffffffffffffffff (0x800 after adjustments for alignment, red zones etc.) exceeds maximum supported size of 0x10000000000 (thread T0)
        #0 0x7f2ebf4b89cf in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
        #1 0x55af37e8e170 in alloc_body /tmp/tb/big.c:3
        #2 0x55af37e8e184 in main /tmp/tb/big.c:4
        #3 0x7f2ebf245249 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58

    ==24531==HINT: if you don't care about these errors you may set allocator_may_return_null=1
    SUMMARY: AddressSanitizer: allocation-size-too-big ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69 in __interceptor_malloc
    ==24531==ABORTING
    """

    /// The same decode error on other bytes says other words; it is the same bug.
    func testOneExceptionAtOnePlaceIsOneSignatureWhateverItsMessage() {
        func tb(_ message: String) -> String {
            "Traceback (most recent call last):\n  File \"/srv/chat.py\", line 41, in handle\n    text = body.decode('utf-8')\n"
                + "           ^^^^^^^^^^^^^^^^^^^^\nUnicodeDecodeError: 'utf-8' codec can't decode \(message)\n"
        }
        let a = Failure.findingSignature(verdict: .crash, cause: nil, stderr: tb("byte 0xff in position 0: invalid start byte"))
        let b = Failure.findingSignature(verdict: .crash, cause: nil, stderr: tb("bytes in position 0-1: unexpected end of data"))
        XCTAssertEqual(a, "UnicodeDecodeError at /srv/chat.py:41 in handle")
        XCTAssertEqual(a, b)
    }

    func testTheSignatureOfRealTracebacks() throws {
        XCTAssertEqual(Failure.findingSignature(verdict: .crash, cause: nil, stderr: Self.pythonNegative),
                       "ValueError at /tmp/tb/neg.py:4 in handle")
        XCTAssertEqual(Failure.findingSignature(verdict: .crash, cause: nil, stderr: Self.pythonMemoryErrorInThread),
                       "MemoryError at /tmp/tb/mem.py:4 in handle")
        // The error's own stack, not the allocation's; digits folded in the last line only.
        XCTAssertEqual(Failure.findingSignature(verdict: .crash, cause: nil, stderr: Self.asanOverflow),
                       "==#==ABORTING at /tmp/tb/srv.c:4 in parse_header")
        // The allocator's interceptor is skipped: the caller that asked for the size.
        XCTAssertEqual(Failure.findingSignature(verdict: .crash, cause: nil, stderr: Self.asanAllocationTooBig),
                       "==#==ABORTING at /tmp/tb/big.c:3 in alloc_body")
        let clang = "==7==ERROR: AddressSanitizer: SEGV on unknown address\n    #0 0x4f5a21 in main /src/x.c:5:3\n==7==ABORTING\n"
        XCTAssertEqual(Failure.crashLocation(clang)?.line, 5)
        XCTAssertEqual(Failure.crashLocation(clang)?.file, "/src/x.c")
        XCTAssertEqual(Failure.crashLocation("srv.c:12:5: runtime error: signed integer overflow")?.line, 12)
        // No traceback: the last line alone; a different line of the same program is another bug.
        XCTAssertEqual(Failure.findingSignature(verdict: .crash, cause: nil, stderr: "struct.error: unpack requires a buffer of 4 bytes\n"),
                       "struct.error: unpack requires a buffer of # bytes")
        XCTAssertNotEqual(Failure.findingSignature(verdict: .crash, cause: nil, stderr: Self.pythonNegative),
                          Failure.findingSignature(verdict: .crash, cause: nil, stderr: Self.pythonNegative.replacingOccurrences(of: "line 4", with: "line 9")))
        // Nothing on stderr: no signature (the family will split the finding).
        XCTAssertNil(Failure.findingSignature(verdict: .crash, cause: nil, stderr: ""))
        XCTAssertNil(Failure.findingSignature(verdict: .crash, cause: nil, stderr: " \n\n"))
        // The other verdicts: the verdict and its cause.
        XCTAssertEqual(Failure.findingSignature(verdict: .blocksOthers, cause: .acceptQueue, stderr: "x"), "blocks_others (accept_queue)")
        XCTAssertEqual(Failure.findingSignature(verdict: .hang, cause: nil, stderr: ""), "hang")
    }

    func failure(_ id: String, _ family: Family, _ verdict: Verdict, stderr: String = "", cause: Cause? = nil, index: Int = 0) -> Failure {
        var f = Failure(fuzzCase: FuzzCase(id: id, family: family, writes: [[0xff, 0xff, 0xff, 0xff]], close: .fin, note: id),
                        index: index, verdict: verdict, detail: "seen \(id)", stderrTail: stderr, foundAfter: 1)
        f.cause = cause
        return f
    }

    func report(_ failures: [Failure]) -> FuzzReport {
        var r = FuzzReport(target: "127.0.0.1:9", transport: "tcp", format: "!I", seed: 1, limit: 100, limitLearned: false)
        for f in failures {
            r.record(f.fuzzCase.family, f.verdict)
            r.keep(f)
        }
        return r
    }

    func testOneCrashReachedByFourFamiliesIsOneFinding() throws {
        // The same MemoryError on the same line; the stderr tails differ only in thread numbers.
        let fams: [Family] = [.boundaryLength, .relativeLength, .confusion, .mutation]
        let r = report(fams.enumerated().map { i, fam in
            failure("\(fam.rawValue)/\(i)", fam, .crash, stderr: Self.pythonMemoryErrorInThread.replacingOccurrences(of: "Thread-1", with: "Thread-\(i + 7)"), index: i)
        })
        let found = r.distinctFindings
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.families, fams)
        XCTAssertEqual(found.first?.cases, ["boundary_length/0", "relative_length/1", "confusion/2", "mutation/3"])
        XCTAssertEqual(found.first?.first.fuzzCase.id, "boundary_length/0")
        XCTAssertEqual(r.findings.map(\.count), [4])
        let text = r.summaryText { "framescope fuzz … --replay \($0.fuzzCase.id)" }
        XCTAssertTrue(text.contains("1 distinct finding:"), text)
        XCTAssertTrue(text.contains("1 bug, reached by 4 families (boundary_length, relative_length, confusion, mutation)"), text)
        XCTAssertTrue(text.contains("at: /tmp/tb/mem.py:4 in handle"), text)
        XCTAssertTrue(r.hasConfirmedFailure)
    }

    func testCrashesWithoutStderrSplitByFamily() {
        let r = report([failure("a/1", .boundaryLength, .crash), failure("b/1", .confusion, .crash), failure("a/2", .boundaryLength, .crash)])
        let found = r.distinctFindings
        XCTAssertEqual(found.map(\.families), [[.boundaryLength], [.confusion]])
        XCTAssertEqual(found.map(\.cases), [["a/1", "a/2"], ["b/1"]])
        XCTAssertFalse(found[0].hasTargetSignature)
        // A different stderr line is a different bug, whatever the family.
        let two = report([failure("a/1", .mutation, .crash, stderr: "MemoryError\n"), failure("a/2", .mutation, .crash, stderr: Self.pythonNegative)])
        XCTAssertEqual(two.distinctFindings.count, 2)
    }

    func testTheTwoCausesOfBlocksOthersAreTwoFindings() {
        let r = report([failure("held/1", .connection, .blocksOthers, cause: .acceptQueue),
                        failure("held/2", .relativeLength, .blocksOthers, cause: .serialServer),
                        failure("held/3", .truncatedHeader, .blocksOthers, cause: .acceptQueue)])
        let found = r.distinctFindings
        XCTAssertEqual(found.map(\.cause), [.acceptQueue, .serialServer])
        XCTAssertEqual(found.map(\.families), [[.connection, .truncatedHeader], [.relativeLength]])
        XCTAssertEqual(found.map(\.signature), ["blocks_others (accept_queue)", "blocks_others (serial_server)"])
        XCTAssertTrue(r.failures[0].explained(in: .en).text.contains("listen backlog"))
    }

    func testTheJSONListsFindingsAndUnconfirmedWithTheIndicesOfEachFailure() throws {
        var r = report([failure("neg/1", .boundaryLength, .crash, stderr: Self.pythonNegative),
                        failure("held/1", .connection, .blocksOthers, cause: .serialServer),
                        failure("mut/1", .mutation, .crash, stderr: Self.pythonNegative),
                        failure("slow/1", .writeBoundaries, .slow)])
        var ev = FindingEvidence()
        ev.confirmed = (3, 3)
        ev.pcap = "/tmp/neg.pcap"
        var m = r.failures[0].fuzzCase
        m.writes = [[0xff]]
        ev.minimized = m
        ev.minimizeConfirmed = true
        r.evidence["neg/1"] = ev
        var once = FindingEvidence()
        once.confirmed = (1, 3)
        r.evidence["held/1"] = once
        // slow/1 has no evidence: counted as confirmed, without a `confirmed` key.
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.json { "framescope fuzz … --replay \($0.fuzzCase.id)" })) as? [String: Any])
        let failures = try XCTUnwrap(o["failures"] as? [[String: Any]])
        XCTAssertEqual(failures.count, 4, "one object per failing case")
        XCTAssertEqual(failures.map { $0["finding"] as? Int }, [0, nil, 0, 1])
        XCTAssertEqual(failures.map { $0["unconfirmed_finding"] as? Int }, [nil, 0, nil, nil])
        XCTAssertEqual(failures.map { $0["cause"] as? String }, [nil, "serial_server", nil, nil])
        let findings = try XCTUnwrap(o["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.count, 2)
        let neg = findings[0]
        XCTAssertEqual(neg["signature"] as? String, "ValueError at /tmp/tb/neg.py:4 in handle")
        XCTAssertEqual(neg["verdict"] as? String, "crash")
        XCTAssertNil(neg["cause"])
        XCTAssertEqual(neg["families"] as? [String], ["boundary_length", "mutation"])
        XCTAssertEqual(neg["cases"] as? [String], ["neg/1", "mut/1"])
        XCTAssertEqual(neg["confirmed"] as? [Int], [3, 3])
        XCTAssertEqual(neg["writes_hex"] as? [String], ["ffffffff"])
        XCTAssertEqual(neg["minimized_writes_hex"] as? [String], ["ff"])
        XCTAssertEqual(neg["minimize_confirmed"] as? Bool, true)
        XCTAssertEqual(neg["pcap"] as? String, "/tmp/neg.pcap")
        XCTAssertEqual(neg["reproduce"] as? String, "framescope fuzz … --replay neg/1")
        XCTAssertEqual(neg["explanation"] as? String, explanation(family: .boundaryLength, verdict: .crash))
        XCTAssertNil(findings[1]["confirmed"], "no evidence, no confirmed key")
        XCTAssertEqual(findings[1]["verdict"] as? String, "slow")
        let unconfirmed = try XCTUnwrap(o["unconfirmed"] as? [[String: Any]])
        XCTAssertEqual(unconfirmed.count, 1)
        XCTAssertEqual(unconfirmed[0]["cause"] as? String, "serial_server")
        XCTAssertEqual(unconfirmed[0]["confirmed"] as? [Int], [1, 3])
        XCTAssertEqual(unconfirmed[0]["explanation"] as? String, explanation(family: .connection, verdict: .blocksOthers, cause: .serialServer, in: .en).text)
        // The terminal: the confirmed findings, then the unconfirmed apart.
        let text = r.summaryText { "framescope fuzz … --replay \($0.fuzzCase.id)" }
        XCTAssertTrue(text.contains("2 distinct findings:"), text)
        XCTAssertTrue(text.contains("confirmed 3/3"), text)
        XCTAssertTrue(text.contains("1 unconfirmed finding"), text)
        XCTAssertTrue(text.contains("unconfirmed (came back 1 of 3): blocks_others (serial_server) · connection · held/1"), text)
        XCTAssertLessThan(text.range(of: "slow/1")!.lowerBound, text.range(of: "unconfirmed (came back")!.lowerBound)
        // The page: cause, families, confirmation, and the unconfirmed section.
        let html = r.html(reproduce: { "framescope fuzz … --replay \($0.fuzzCase.id)" }, spec: try .init(parsing: "!I"))
        XCTAssertTrue(html.contains("<table id=\"unconfirmed\">"))
        XCTAssertTrue(html.contains("<h2>Unconfirmed</h2>"))
        XCTAssertTrue(html.contains("serial_server"))
        XCTAssertTrue(html.contains("boundary_length, mutation"))
        XCTAssertTrue(html.contains("<td>3/3</td>"))
    }

    func testOnlyConfirmedFindingsFailTheRun() {
        var r = report([failure("held/1", .connection, .blocksOthers, cause: .acceptQueue), failure("cut/1", .truncatedHeader, .crash)])
        var once = FindingEvidence()
        once.confirmed = (1, 3)
        r.evidence["held/1"] = once
        r.evidence["cut/1"] = once
        XCTAssertTrue(r.failed, "a case failed")
        XCTAssertFalse(r.hasConfirmedFailure, "but nothing came back")
        XCTAssertTrue(r.summaryText { _ in "x" }.contains("no confirmed failure."))
        var twice = FindingEvidence()
        twice.confirmed = (2, 3)
        r.evidence["cut/1"] = twice
        XCTAssertTrue(r.hasConfirmedFailure)
        XCTAssertFalse(report([]).hasConfirmedFailure)
        XCTAssertTrue(report([]).summaryText { _ in "x" }.contains("no failure."))
    }

    func testTheCausesAreExplainedInBothLanguages() {
        for cause in Cause.allCases {
            for verdict in [Verdict.blocksOthers, .hang] {
                let en = explanation(family: .connection, verdict: verdict, cause: cause, in: .en)
                let zh = explanation(family: .connection, verdict: verdict, cause: cause, in: .zh)
                XCTAssertNotEqual(en, explanation(family: .connection, verdict: verdict, in: .en))
                XCTAssertFalse(en.fix.isEmpty)
                XCTAssertFalse(en.text.unicodeScalars.contains { (0x4e00...0x9fff).contains($0.value) }, en.text)
                XCTAssertTrue(zh.text.unicodeScalars.contains { (0x4e00...0x9fff).contains($0.value) }, zh.text)
            }
            // No cause, or a verdict a cause does not explain: the table's text.
            XCTAssertEqual(explanation(family: .body, verdict: .crash, cause: cause, in: .en), explanation(family: .body, verdict: .crash, in: .en))
        }
        XCTAssertEqual(explanation(family: .relativeLength, verdict: .hang, cause: nil, in: .zh), explanation(family: .relativeLength, verdict: .hang, in: .zh))
        let queue = explanation(family: .connection, verdict: .blocksOthers, cause: .acceptQueue, in: .en).text
        XCTAssertTrue(queue.contains("multiprocessing.connection.Listener defaults to 1"), queue)
        XCTAssertTrue(explanation(family: .connection, verdict: .blocksOthers, cause: .acceptQueue, in: .zh).text.contains("半连接池"))
        let serial = explanation(family: .relativeLength, verdict: .blocksOthers, cause: .serialServer, in: .zh).text
        XCTAssertTrue(serial.contains("链接循环") && serial.contains("通信循环"), serial)
    }
}
