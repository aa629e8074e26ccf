// Taking back a recorded verdict: a case recorded as passed is judged again when the target
// went down after it (a crash shows a while after its case), and recorded anew with what it did.

extension FuzzReport {
    /// Undoes one `record(family, verdict)`.
    public mutating func unrecord(_ family: Family, _ verdict: Verdict) {
        guard let n = table[family]?[verdict], n > 0 else { return }
        cases -= 1
        table[family]![verdict] = n == 1 ? nil : n - 1
    }
}
