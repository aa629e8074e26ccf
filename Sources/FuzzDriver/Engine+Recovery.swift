// Keeping the target usable between cases (recovery, restarts) and watching it for leaks.

import Sockets
import Foundation
import Framing
import Fuzz
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension FuzzEngine {
    // MARK: - recovery

    var recoverSeconds: Double { max(5, timeout * 10) }

    /// Waits (bounded) until the target answers the probe again, restarting it with `--exec`
    /// when it is gone or stays silent. False when it did not recover.
    @discardableResult
    func recover() -> Bool {
        let deadline = Deadline(after: recoverSeconds)
        var silentSince: Double?
        while !deadline.hasPassed {
            if let t = target, !t.isRunning {
                guard restart() else { return false }
                continue
            }
            let p = driver.probe(timeout: timeout)
            if p.isAnswered { return true }
            if case .silent = p {
                // A target we started and that stays silent is restarted: on its second silent
                // probe (a hang does not end by itself, and every second waited is lost).
                silentSince = silentSince ?? monotonicSeconds()
                if target != nil, monotonicSeconds() - silentSince! >= timeout {
                    guard restart() else { return false }
                    silentSince = nil
                    continue
                }
            }
            usleep(20_000)
        }
        return false
    }

    func restart() -> Bool {
        guard let t = target else { return false }
        t.stop()
        restarts += 1
        do {
            let line = try t.start(wantLine: config.address.port == 0, timeout: 10)
            if config.address.port == 0 {
                var a = currentAddress ?? config.address
                a.port = try Self.port(fromLine: line, command: t.command)
                currentAddress = a
                driver.endpoints = try ClientEndpoint.resolve(a, udp: config.udp, allowRemote: config.allowRemote)
            }
            try waitAccepting(seconds: 10)
            leakBase = pid.flatMap(ProcStats.sample)
            return true
        } catch {
            log("could not restart the target: \(error)")
            return false
        }
    }

    // MARK: - leaks

    /// With a pid: when open files or memory have grown well past the baseline, look for the
    /// case that makes them grow among `recent` (cases recorded `ok`), each run alone three times.
    func checkLeak(recent: [(Int, FuzzCase)]) {
        guard let p = pid, let base = leakBase, let now = ProcStats.sample(p) else { return }
        guard now.fds >= base.fds + 8 || now.rssBytes >= base.rssBytes + 64 << 20 else { return }
        let started = monotonicSeconds()
        var found = 0
        for (idx, c) in recent.reversed() where monotonicSeconds() - started < 15 && found < 3 && !c.exclusive {
            guard let detail = leakDetail(c) else { continue }
            found += 1
            // Replace the case's verdict: it ran as ok, it leaks.
            report.table[c.family, default: [:]][.ok, default: 0] -= 1
            report.cases -= 1
            progressLock.withLock { _ in
                doneCount -= 1
                progressCounts[.ok, default: 0] -= 1
            }
            finish(c, index: idx, verdict: .leak, detail: detail)
        }
        leakBase = ProcStats.sample(p)
    }

    /// The case played alone three times with the target's open files and memory sampled
    /// around each run: what grew on every run, or nil (no pid, or no steady growth).
    func leakDetail(_ c: FuzzCase) -> String? {
        guard let p = pid, let before = settledSample(p) else { return nil }
        var samples = [before]
        for _ in 0..<3 {
            _ = driver.play(c, answerDeadline: answerDeadline(for: c), hold: 0, during: { nil })
            guard let s = settledSample(p) else { return nil }
            samples.append(s)
        }
        let fdGrowth = zip(samples, samples.dropFirst()).allSatisfy { $1.fds > $0.fds }
        let rssGrowth = zip(samples, samples.dropFirst()).allSatisfy { $1.rssBytes >= $0.rssBytes + 4 << 20 }
        if fdGrowth {
            return "open files of pid \(p): \(samples.map { String($0.fds) }.joined(separator: " → ")) over three runs of the case alone"
        }
        if rssGrowth {
            return "resident memory of pid \(p): \(samples.map { "\($0.rssBytes >> 20) MiB" }.joined(separator: " → ")) over three runs of the case alone"
        }
        return nil
    }

    /// A sample once the target's open files stop falling (connections closing), at most 0.5 s.
    func settledSample(_ p: Int32) -> ProcSample? {
        var last = ProcStats.sample(p)
        for _ in 0..<25 {
            usleep(20_000)
            let s = ProcStats.sample(p)
            if let a = last, let b = s, b.fds >= a.fds { return b }
            last = s
        }
        return last
    }
}
