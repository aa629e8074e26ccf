// One bug, one finding (docs/DESIGN.md "Fuzzer"): failures are grouped by what the target showed,
// not by the family of case that reached it. A server that allocates whatever length it is told
// dies of one MemoryError on one line whether a boundary length, a relative length, a confused
// protocol or a mutation told it; that is one finding reached by four families.

/// A distinct finding: every failure with the same signature, first seen first.
public struct Finding: Sendable {
    /// The target's failure signature: for a crash the last stderr line (digits folded) and,
    /// when a traceback shows one, the exception's location (`MemoryError at srv.py:14 in
    /// handle`); otherwise the verdict and its cause (`blocks_others (accept_queue)`). A crash
    /// with nothing on stderr has none, and its family names it (`crash, no stderr, in body`).
    public var signature: String
    /// False when the target gave no signature and the family split the finding.
    public var hasTargetSignature: Bool
    public var verdict: Verdict
    public var cause: Cause?
    /// Every failure that reaches this finding, in the order they were kept.
    public var failures: [Failure]

    /// The representative: the first failure (minimised, recorded, and the key of its evidence).
    public var first: Failure { failures[0] }
    /// Every family that reaches it, in the order first seen.
    public var families: [Family] {
        var seen = Set<Family>()
        return failures.map(\.fuzzCase.family).filter { seen.insert($0).inserted }
    }
    /// The ids of every case that reaches it.
    public var cases: [String] { failures.map(\.fuzzCase.id) }
}

extension Failure {
    /// The grouping key of this failure's finding: the signature, or for a failure without
    /// one its verdict and family.
    public var findingKey: String {
        if let s = Failure.findingSignature(verdict: verdict, cause: cause, stderr: stderrTail) {
            return "\(verdict.rawValue) \(s)"
        }
        return "\(verdict.rawValue) \(fuzzCase.family.rawValue) (no signature)"
    }

    /// The target's failure signature (see `Finding.signature`), or nil when there is none: a
    /// crash whose standard error is empty. Pure, so that it can be tested on real tracebacks.
    public static func findingSignature(verdict: Verdict, cause: Cause?, stderr: String) -> String? {
        guard verdict == .crash else {
            return verdict.rawValue + (cause.map { " (\($0.rawValue))" } ?? "")
        }
        let last = signature(stderr)
        let location = crashLocation(stderr).map { "\($0.file):\($0.line) in \($0.function)" }
        switch (last.isEmpty, location) {
        case (true, nil): return nil
        case (true, let l?): return "at \(l)"
        case (false, nil): return last
        case (false, let l?):
            // `UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff …`: the message varies with
            // the input, the exception and its place do not — one bug, one finding.
            if let colon = last.firstIndex(of: ":"), colon > last.startIndex,
               last[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
                return "\(last[..<colon]) at \(l)"
            }
            return "\(last) at \(l)"
        }
    }

    /// Where the crash happened, when standard error shows a traceback: Python's last
    /// `File "…", line N, in f` (the innermost frame of the last exception), a sanitizer's first
    /// frame outside the sanitizer's own runtime (`#0 0x… in f file.c:N:C`, the allocator
    /// interceptor skipped), or UBSan's `file.c:N:C: runtime error:`. The one nearest the end wins.
    public static func crashLocation(_ stderr: String) -> (file: String, line: Int, function: String)? {
        var found: (file: String, line: Int, function: String)?
        var inSanitizerStack = false
        var sanitizerFrameTaken = false
        var firstFrameOfStack: (file: String, line: Int, function: String)?
        for raw in stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if let py = pythonFrame(line) {
                found = py
                inSanitizerStack = false
            } else if line.contains("ERROR: AddressSanitizer") || line.contains("ERROR: LeakSanitizer")
                        || line.contains("WARNING: MemorySanitizer") || line.contains("WARNING: ThreadSanitizer")
                        || line.contains("ERROR: ThreadSanitizer") || line.contains("ERROR: MemorySanitizer") {
                inSanitizerStack = true
                sanitizerFrameTaken = false
                firstFrameOfStack = nil
            } else if inSanitizerStack, !sanitizerFrameTaken, case let (frame, runtime)? = sanitizerFrame(line) {
                if firstFrameOfStack == nil { firstFrameOfStack = frame }
                if let frame, !runtime {
                    found = frame
                    sanitizerFrameTaken = true
                }
            } else if inSanitizerStack, !sanitizerFrameTaken, firstFrameOfStack != nil, !line.hasPrefix("#") {
                // The error's stack ended with nothing but runtime frames: its first frame.
                found = firstFrameOfStack
                sanitizerFrameTaken = true
            } else if let r = line.firstRange(of: ": runtime error:") {
                let parts = line[..<r.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
                if parts.count >= 3, let n = Int(parts[parts.count - 2]) {
                    found = (parts.dropLast(2).joined(separator: ":"), n, "?")
                } else if parts.count == 2, let n = Int(parts[1]) {
                    found = (String(parts[0]), n, "?")
                }
            }
        }
        if inSanitizerStack, !sanitizerFrameTaken, let f = firstFrameOfStack { found = f }
        return found
    }

    /// `File "/srv/x.py", line 14, in handle` (leading spaces dropped).
    static func pythonFrame(_ line: Substring) -> (file: String, line: Int, function: String)? {
        guard line.hasPrefix("File \""), let close = line.dropFirst(6).firstRange(of: "\", line ") else { return nil }
        let file = line[line.index(line.startIndex, offsetBy: 6) ..< close.lowerBound]
        let rest = line[close.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let n = Int(digits) else { return nil }
        let after = rest.dropFirst(digits.count)
        let function = after.hasPrefix(", in ") ? String(after.dropFirst(5)) : "?"
        return (String(file), n, function)
    }

    /// `#0 0x55d0c5a1b2c2 in parse_header /src/server.c:42:12`: the frame's source location
    /// (nil when it has none, `(/bin/x+0x1a3a4)`), and whether it lies in the sanitizer's own
    /// runtime. Nil for a line that is not a frame.
    static func sanitizerFrame(_ line: Substring) -> ((file: String, line: Int, function: String)?, runtime: Bool)? {
        guard line.hasPrefix("#"), line.dropFirst().first?.isNumber == true,
              let inRange = line.firstRange(of: " in ") else { return nil }
        let rest = line[inRange.upperBound...]
        guard let space = rest.lastIndex(of: " ") else { return (nil, true) }
        let function = String(rest[..<space])
        let place = rest[rest.index(after: space)...]
        let runtime = ["__interceptor_", "__asan_", "__sanitizer_", "__lsan_", "__msan_", "__tsan_", "__ubsan_"].contains { function.hasPrefix($0) }
            || ["compiler-rt", "libsanitizer", "sanitizer_common"].contains { place.contains($0) }
        let parts = place.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 3, let n = Int(parts[parts.count - 2]), Int(parts[parts.count - 1]) != nil {
            return ((parts.dropLast(2).joined(separator: ":"), n, function), runtime)
        }
        if parts.count >= 2, let n = Int(parts[parts.count - 1]) {
            return ((parts.dropLast().joined(separator: ":"), n, function), runtime)
        }
        return (nil, runtime)
    }
}

extension FuzzReport {
    /// Every finding, confirmed or not, in the order first seen (see `Finding`).
    public var distinctFindings: [Finding] {
        var order: [String] = []
        var groups: [String: Finding] = [:]
        for f in failures {
            let k = f.findingKey
            if groups[k] != nil {
                groups[k]!.failures.append(f)
                continue
            }
            order.append(k)
            let s = Failure.findingSignature(verdict: f.verdict, cause: f.cause, stderr: f.stderrTail)
            groups[k] = Finding(signature: s ?? "\(f.verdict.rawValue), no stderr, in \(f.fuzzCase.family.rawValue)",
                                hasTargetSignature: s != nil, verdict: f.verdict, cause: f.cause, failures: [f])
        }
        return order.compactMap { groups[$0] }
    }

    /// The findings split as the report shows them: confirmed (or not checked: no evidence,
    /// or evidence without a confirmation count) and unconfirmed (played alone again, the verdict
    /// came back fewer than twice).
    public var splitFindings: (confirmed: [Finding], unconfirmed: [Finding]) {
        var out: ([Finding], [Finding]) = ([], [])
        for f in distinctFindings {
            if isConfirmed(f) { out.0.append(f) } else { out.1.append(f) }
        }
        return out
    }

    /// A finding counts as confirmed unless its evidence says it was played again and did not
    /// come back at least twice.
    public func isConfirmed(_ f: Finding) -> Bool {
        guard let ev = evidence[f.first.fuzzCase.id], ev.confirmed != nil else { return true }
        return ev.isConfirmed
    }

    /// The run failed (exit status 1): at least one confirmed finding. Unconfirmed findings are
    /// reported apart and do not fail the run; `failed` still says whether any case failed.
    public var hasConfirmedFailure: Bool { distinctFindings.contains { isConfirmed($0) } }

    /// The run fails on these verdicts (`--fail-on`): a confirmed finding with one of them.
    public func hasConfirmedFailure(on verdicts: Set<Verdict>) -> Bool {
        distinctFindings.contains { isConfirmed($0) && verdicts.contains($0.verdict) }
    }
}

extension Failure {
    /// This failure explained: its cause's text where the oracle saw one, else the table's.
    public func explained(in lang: TextLanguage) -> Explanation {
        explanation(family: fuzzCase.family, verdict: verdict, cause: cause, in: lang)
    }
}
