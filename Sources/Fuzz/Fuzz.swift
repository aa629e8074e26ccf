// Fuzz: the fuzzer's pure part. What the cases are, what the verdicts and causes mean, how
// failures become findings, and the reports. Playing cases against a server is FuzzDriver's job.
//
// The contract every file in this module keeps (docs/DESIGN.md "Fuzzer", "Fuzz report JSON"):
//
// 1. No I/O, no clocks: the catalogue, the mutations, the grouping into findings and the reports
//    are functions of their inputs; the CLI writes the reports and reads the case records.
// 2. Deterministic: the same options and seed give the same cases in the same order, and case n
//    of the mutation family depends only on the seed, the options and n, so one case can be
//    played again by its id.
// 3. The lies are built on purpose: the honest encoder (Framing) refuses a length that does not
//    fit; `frameIgnoringLimit` and the catalogue write declared and actual lengths separately.
// 4. The names are contracts: families, verdicts, causes, close modes and the JSON report's keys
//    are as docs/DESIGN.md writes them.
// 5. One bug is one finding: failures are grouped by the target's signature, not by family.
//
// Files:
//   FuzzCase.swift         a case: bytes, write boundaries, close mode; families
//   Catalogue.swift        the deterministic catalogue for a spec
//   Mutator.swift          seeded random mutation
//   FromCapture.swift      a captured conversation as the seed (`--from`); CaseSource
//   FrameSpec+Fuzz.swift   messages past the limit, for the fuzzer only
//   Verdict.swift          verdicts, causes, failures, explanations
//   Finding.swift          failures grouped into findings by signature
//   Evidence.swift         what is kept per finding (minimised input, pcap, record)
//   Report.swift           the run's results and the JSON report; the terminal table
//   Report+Amend.swift     taking back a recorded verdict
//   Report+From.swift      the oracle of a `--from` run, in the JSON report
//   Summary.swift          the terminal summary of the findings
//   HTMLReport.swift       the self-contained HTML page
//   JSONValue.swift        a JSON value: pretty-printed, and parsed back (case.json, SARIF)
//   CaseRecord.swift       a record folder's case.json, written and read; FuzzError
//   ReplayTally.swift      `--replay CASE --times N`: the runs and their tally
//   Reproducer.swift       the one-line command that replays a case; shell quoting
//   SourceLocation.swift   a traceback's file and line in the target's own code, as a URI
//   JUnitReport.swift      `--junit`: JUnit XML, a test case per family; XML escaping
//   SARIFReport.swift      `--sarif`: SARIF 2.1.0, a result per distinct finding
