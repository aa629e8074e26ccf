// The words the per-frame views (the one-line summary's layers 5–7 and the `-V` tree's) use for
// the lesson's ideas: sticky, split, the length header. English by default, so `read` and `live`
// print what they always did; `framescope demo --lang zh` passes the lesson's Chinese terms (粘包,
// 拆包, 报头), which live with the demo's other texts (Sources/framescope/DemoText.swift).

/// A class, not a struct: every frame's summary is handed the words, and a struct of thirteen
/// closures and strings cost a retain and a release of each on every hand-over.
public final class FrameWords: Sendable {
    /// ` 3 messages in one segment (sticky):` — the one-line summary's head (the colon is added).
    public let sticky: @Sendable (_ count: Int) -> String
    /// `starts (100000 bytes)` / `starts (header cut after 2 bytes)`.
    public let starts: @Sendable (_ length: Int) -> String
    public let startsCut: @Sendable (_ headerBytes: Int) -> String
    /// `: split, more segments follow` after the only message of a segment that starts one.
    public let splitFollows: String
    /// `continues (segment 2 of 3)`, `ends (segment 3 of 3)`; `parts` is nil while unknown.
    public let continues: @Sendable (_ part: Int, _ parts: Int?) -> String
    public let ends: @Sendable (_ part: Int, _ parts: Int) -> String
    /// ` (provisional raw)` after a segment `auto` shows as one message before choosing.
    public let provisional: String
    /// The tree: `length header at payload offset 0: 5`, and the rows around it.
    public let headerAt: @Sendable (_ offset: Int, _ value: String) -> String
    public let noHeader: String
    public let provisionalDetail: String
    public let treeStarts: @Sendable (_ length: Int) -> String
    public let treeStartsCut: @Sendable (_ headerBytes: Int) -> String
    /// The application row's headline for one message.
    public let oneMessage: String

    public init(sticky: @escaping @Sendable (Int) -> String, starts: @escaping @Sendable (Int) -> String,
                startsCut: @escaping @Sendable (Int) -> String, splitFollows: String,
                continues: @escaping @Sendable (Int, Int?) -> String, ends: @escaping @Sendable (Int, Int) -> String,
                provisional: String, headerAt: @escaping @Sendable (Int, String) -> String, noHeader: String,
                provisionalDetail: String, treeStarts: @escaping @Sendable (Int) -> String,
                treeStartsCut: @escaping @Sendable (Int) -> String, oneMessage: String) {
        self.sticky = sticky
        self.starts = starts
        self.startsCut = startsCut
        self.splitFollows = splitFollows
        self.continues = continues
        self.ends = ends
        self.provisional = provisional
        self.headerAt = headerAt
        self.noHeader = noHeader
        self.provisionalDetail = provisionalDetail
        self.treeStarts = treeStarts
        self.treeStartsCut = treeStartsCut
        self.oneMessage = oneMessage
    }

    public static let english = FrameWords(
        sticky: { n in "\(n) messages in one segment (sticky)" },
        starts: { n in "starts (\(n) bytes)" },
        startsCut: { h in "starts (header cut after \(h) byte\(h == 1 ? "" : "s"))" },
        splitFollows: ": split, more segments follow",
        continues: { k, n in "continues (segment \(k)\(n.map { " of \($0)" } ?? ""))" },
        ends: { k, n in "ends (segment \(k) of \(n))" },
        provisional: " (provisional raw)",
        headerAt: { o, v in "length header at payload offset \(o): \(v)" },
        noHeader: "no header starts in this segment",
        provisionalDetail: "provisional: no length format or line framing is supported by the bytes so far; the segment is shown as one message, as one recv() would read it",
        treeStarts: { n in "starts: \(n) bytes declared, more segments follow" },
        treeStartsCut: { h in "starts: its length header is cut after \(h) bytes, more segments follow" },
        oneMessage: "1 message"
    )
}
