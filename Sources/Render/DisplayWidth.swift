// How many terminal columns text takes, for the renderers that centre or pad it (the ladder).
// Counting characters is wrong for Chinese, Japanese and Korean text: a terminal gives each
// East Asian Wide or Fullwidth character two columns (Unicode Standard Annex #11), so a label
// "你好，我是服务器" is 16 columns, not 8, and an arrow padded by its character count comes out
// short. Combining marks, zero-width joiners and other format characters take no column.

public enum DisplayWidth {
    /// Columns taken by `text` on a terminal: the sum over its characters (grapheme clusters)
    /// of each one's width — the widest of its scalars, so `e` + U+0301 is 1 column and an
    /// emoji joined with U+200D is 2.
    public static func of(_ text: String) -> Int {
        var total = 0
        for c in text {
            if c.isASCII {
                total += 1
                continue
            }
            total += of(c)
        }
        return total
    }

    /// Columns taken by one character (grapheme cluster).
    public static func of(_ c: Character) -> Int {
        var widest = 0
        for s in c.unicodeScalars { widest = max(widest, of(s)) }
        return widest
    }

    /// Columns taken by one scalar on its own: 2 for East Asian Wide and Fullwidth (and emoji
    /// shown as emoji), 0 for combining marks, format characters and controls, 1 otherwise.
    public static func of(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x20 || (v >= 0x7f && v < 0xa0) { return 0 }
        if v < 0x300 { return 1 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        // Hangul medial vowels and final consonants join the initial before them.
        if (0x1160 ... 0x11ff).contains(v) { return 0 }
        if isWide(v) || s.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// The longest prefix of `text` at most `columns` wide (whole characters only).
    public static func prefix(_ text: String, columns: Int) -> String {
        var used = 0
        var end = text.startIndex
        for i in text.indices {
            let w = of(text[i])
            if used + w > columns { break }
            used += w
            end = text.index(after: i)
        }
        return String(text[..<end])
    }

    /// `text`, cut to at most `columns` columns with "…" marking the cut when it is too wide.
    public static func fit(_ text: String, columns: Int) -> String {
        guard of(text) > columns else { return text }
        return prefix(text, columns: max(columns - 1, 0)) + "…"
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks, Unicode 15 (the emoji among them are
    /// found by `isEmojiPresentation`).
    static let wide: [ClosedRange<UInt32>] = [
        0x1100 ... 0x115f,    // Hangul Jamo initial consonants
        0x2329 ... 0x232a,    // angle brackets
        0x2e80 ... 0x303e,    // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
        0x3041 ... 0x33ff,    // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK compatibility
        0x3400 ... 0x4dbf,    // CJK Extension A
        0x4e00 ... 0x9fff,    // CJK Unified Ideographs
        0xa000 ... 0xa4cf,    // Yi
        0xa960 ... 0xa97f,    // Hangul Jamo Extended-A
        0xac00 ... 0xd7a3,    // Hangul syllables
        0xf900 ... 0xfaff,    // CJK compatibility ideographs
        0xfe10 ... 0xfe19,    // vertical forms
        0xfe30 ... 0xfe6f,    // CJK compatibility forms, small form variants
        0xff01 ... 0xff60,    // fullwidth ASCII and punctuation (，！？)
        0xffe0 ... 0xffe6,    // fullwidth signs
        0x16fe0 ... 0x16fe4, 0x16ff0 ... 0x16ff1,
        0x17000 ... 0x18d08,  // Tangut, Khitan
        0x1aff0 ... 0x1b2ff,  // Kana supplements, Nushu
        0x1f200 ... 0x1f2ff,  // enclosed ideographic supplement
        0x20000 ... 0x2fffd,  // CJK Extensions B–F
        0x30000 ... 0x3fffd,  // CJK Extension G and after
    ]

    static func isWide(_ v: UInt32) -> Bool {
        guard v >= 0x1100 else { return false }
        var lo = 0, hi = wide.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if v < wide[mid].lowerBound { hi = mid - 1 } else if v > wide[mid].upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }
}
