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
    /// These are `english`, whose one-line phrases are written straight into the sink
    /// (`EnglishWords`) instead of built as Strings by the closures, on every frame.
    let isEnglish: Bool

    public convenience init(sticky: @escaping @Sendable (Int) -> String, starts: @escaping @Sendable (Int) -> String,
                            startsCut: @escaping @Sendable (Int) -> String, splitFollows: String,
                            continues: @escaping @Sendable (Int, Int?) -> String, ends: @escaping @Sendable (Int, Int) -> String,
                            provisional: String, headerAt: @escaping @Sendable (Int, String) -> String, noHeader: String,
                            provisionalDetail: String, treeStarts: @escaping @Sendable (Int) -> String,
                            treeStartsCut: @escaping @Sendable (Int) -> String, oneMessage: String) {
        self.init(sticky: sticky, starts: starts, startsCut: startsCut, splitFollows: splitFollows, continues: continues,
                  ends: ends, provisional: provisional, headerAt: headerAt, noHeader: noHeader,
                  provisionalDetail: provisionalDetail, treeStarts: treeStarts, treeStartsCut: treeStartsCut,
                  oneMessage: oneMessage, isEnglish: false)
    }

    init(sticky: @escaping @Sendable (Int) -> String, starts: @escaping @Sendable (Int) -> String,
                startsCut: @escaping @Sendable (Int) -> String, splitFollows: String,
                continues: @escaping @Sendable (Int, Int?) -> String, ends: @escaping @Sendable (Int, Int) -> String,
                provisional: String, headerAt: @escaping @Sendable (Int, String) -> String, noHeader: String,
                provisionalDetail: String, treeStarts: @escaping @Sendable (Int) -> String,
                treeStartsCut: @escaping @Sendable (Int) -> String, oneMessage: String, isEnglish: Bool) {
        self.isEnglish = isEnglish
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
        sticky: { n in EnglishWords.text { EnglishWords.sticky(n, $0) } },
        starts: { n in EnglishWords.text { EnglishWords.starts(n, $0) } },
        startsCut: { h in EnglishWords.text { EnglishWords.startsCut(h, $0) } },
        splitFollows: ": split, more segments follow",
        continues: { k, n in EnglishWords.text { EnglishWords.continues(k, n, $0) } },
        ends: { k, n in EnglishWords.text { EnglishWords.ends(k, n, $0) } },
        provisional: " (provisional raw)",
        headerAt: { o, v in "length header at payload offset \(o): \(v)" },
        noHeader: "no header starts in this segment",
        provisionalDetail: "provisional: no length format or line framing is supported by the bytes so far; the segment is shown as one message, as one recv() would read it",
        treeStarts: { n in "starts: \(n) bytes declared, more segments follow" },
        treeStartsCut: { h in "starts: its length header is cut after \(h) bytes, more segments follow" },
        oneMessage: "1 message",
        isEnglish: true
    )

    // The one-line phrases, written into `out`: straight from `EnglishWords` for English, through
    // the closures for any other language.

    func writeSticky(_ count: Int, _ out: ByteSink) {
        if isEnglish { EnglishWords.sticky(count, out) } else { out.write(sticky(count)) }
    }

    func writeStarts(_ length: Int, headerBytes: Int?, _ out: ByteSink) {
        switch (headerBytes, isEnglish) {
        case (let h?, true): EnglishWords.startsCut(h, out)
        case (let h?, false): out.write(startsCut(h))
        case (nil, true): EnglishWords.starts(length, out)
        case (nil, false): out.write(starts(length))
        }
    }

    func writeContinues(_ part: Int, _ parts: Int?, _ out: ByteSink) {
        if isEnglish { EnglishWords.continues(part, parts, out) } else { out.write(continues(part, parts)) }
    }

    func writeEnds(_ part: Int, _ parts: Int, _ out: ByteSink) {
        if isEnglish { EnglishWords.ends(part, parts, out) } else { out.write(ends(part, parts)) }
    }
}

/// The English one-line phrases of `FrameWords.english`, each written once, into a sink.
enum EnglishWords {
    /// `3 messages in one segment (sticky)`
    static func sticky(_ n: Int, _ out: ByteSink) {
        out.decimal(n)
        out.write(" messages in one segment (sticky)")
    }

    /// `starts (100000 bytes)`
    static func starts(_ n: Int, _ out: ByteSink) {
        out.write("starts (")
        out.decimal(n)
        out.write(" bytes)")
    }

    /// `starts (header cut after 2 bytes)`
    static func startsCut(_ h: Int, _ out: ByteSink) {
        out.write("starts (header cut after ")
        out.decimal(h)
        out.write(h == 1 ? " byte)" as StaticString : " bytes)")
    }

    /// `continues (segment 2 of 3)`, `continues (segment 2)` while the count is unknown.
    static func continues(_ k: Int, _ n: Int?, _ out: ByteSink) {
        out.write("continues (segment ")
        out.decimal(k)
        if let n {
            out.write(" of ")
            out.decimal(n)
        }
        out.byte(UInt8(ascii: ")"))
    }

    /// `ends (segment 3 of 3)`
    static func ends(_ k: Int, _ n: Int, _ out: ByteSink) {
        out.write("ends (segment ")
        out.decimal(k)
        out.write(" of ")
        out.decimal(n)
        out.byte(UInt8(ascii: ")"))
    }

    /// A phrase as a String (the tree's rows, other callers of the closures).
    static func text(_ write: (ByteSink) -> Void) -> String {
        let out = ByteSink(capacity: 64)
        write(out)
        return out.string
    }
}
