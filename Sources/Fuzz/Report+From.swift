import Render

extension FuzzReport {
    /// With `fuzz --from`, the report's last keys (docs/DESIGN.md "Fuzz report JSON"): `oracle`,
    /// the oracle that judged the run (`replay`, or `reply` after the fallback), and
    /// `oracle_fallback`, why the captured answers could not be the oracle.
    func writeOracle(_ out: ByteSink) {
        if let o = oracle {
            out.write(", \"oracle\": ")
            out.jsonString(o)
        }
        if let why = oracleFallback {
            out.write(", \"oracle_fallback\": ")
            out.jsonString(why)
        }
    }
}
