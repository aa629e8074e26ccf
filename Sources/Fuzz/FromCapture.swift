// `fuzz --from FILE`: a captured conversation is the seed (docs/DESIGN.md "Fuzzer"). Case
// `from/k:ID` plays the client's captured messages before message k exactly, write boundaries
// kept, then in message k's place what case ID of the catalogue plays, or message k itself cut
// at other write boundaries (`own-…`), or message k mutated (`mut/n`). Pure: the capture is read
// and planned elsewhere (Replay); this file only turns its messages into cases.

/// A captured conversation's client side, and how many answers the capture shows along it.
public struct Seed: Sendable {
    /// Each client message as it went on the wire (header included), as its writes: the
    /// captured write boundaries that fall inside it.
    public var messages: [[[UInt8]]]
    /// The captured server answers (bodies), in order.
    public var answers: [[UInt8]]
    /// `answersBefore[k]`: captured answers complete before message k + 1 was written (0-based:
    /// `answersBefore[0]` before the first message); one more entry than `messages`, the last
    /// counting every answer.
    public var answersBefore: [Int]

    public init(messages: [[[UInt8]]], answers: [[UInt8]], answersBefore: [Int]) {
        self.messages = messages
        self.answers = answers
        var counts = answersBefore.map { min(max(0, $0), answers.count) }
        while counts.count < messages.count + 1 { counts.append(answers.count) }
        self.answersBefore = Array(counts.prefix(messages.count + 1))
    }

    /// The writes of messages 1 ..< k (1-based k), as captured.
    func writes(before k: Int) -> [[UInt8]] { messages.prefix(k - 1).flatMap { $0 } }

    /// Message k's bytes.
    func bytes(_ k: Int) -> [UInt8] { messages[k - 1].flatMap { $0 } }

    /// The captured answers a right server has given before message k is written.
    func answers(before k: Int) -> [[UInt8]] { Array(answers.prefix(answersBefore[k - 1])) }
}

/// Where to find one case: what the catalogue plays at message k, or message k re-cut.
private enum Slot: Sendable {
    case catalogue(k: Int, index: Int)
    case own(k: Int, index: Int)
}

/// The cases of `fuzz --from`: for every message k, the catalogue's fixed cases and message k's
/// own re-cuts; the cases that must run alone after the others; then mutations of message k,
/// the messages taking turns. The same options and seed give the same cases in the same order.
public struct FromCatalogue: Sendable {
    public let seed: Seed
    public let catalogue: Catalogue
    private let own: [[FuzzCase]]
    private let slots: [Slot]
    private let mutator: Mutator?

    /// The prefix every case id of this catalogue starts with.
    public static let idPrefix = "from/"

    public init(_ options: CatalogueOptions, seed: Seed) {
        self.seed = seed
        catalogue = Catalogue(options)
        var own: [[FuzzCase]] = []
        for k in seed.messages.indices.map({ $0 + 1 }) {
            own.append(Self.ownCases(k, seed: seed, options: options))
        }
        self.own = own
        var quick: [Slot] = []
        var alone: [Slot] = []
        for k in own.indices.map({ $0 + 1 }) {
            for (i, c) in catalogue.fixed.enumerated() {
                if c.exclusive { alone.append(.catalogue(k: k, index: i)) } else { quick.append(.catalogue(k: k, index: i)) }
            }
            for i in own[k - 1].indices { quick.append(.own(k: k, index: i)) }
        }
        slots = quick + alone
        let mutates = options.applicableFamilies.contains(.mutation) && !seed.messages.isEmpty
        mutator = mutates ? Mutator(options: options) : nil
    }

    /// The number of cases in a run of at most `limit` cases.
    public func count(limit: Int) -> Int {
        mutator == nil ? min(limit, slots.count) : max(0, limit)
    }

    /// Case `index` (0-based): a fixed one, then mutation `index - fixed + 1`.
    public func `case`(_ index: Int) -> FuzzCase? {
        guard index >= 0 else { return nil }
        if index < slots.count {
            switch slots[index] {
            case let .catalogue(k, i): return placed(catalogue.fixed[i], at: k)
            case let .own(k, i): return own[k - 1][i]
            }
        }
        let n = index - slots.count
        guard mutator != nil else { return nil }
        let messages = seed.messages.count
        return mutation(k: n % messages + 1, n / messages + 1)
    }

    /// The case with this id (`from/3:cut-header-1/1`, `from/2:own-split/1`, `from/1:mut/7`).
    public func `case`(id: String) -> FuzzCase? {
        guard id.hasPrefix(Self.idPrefix), let colon = id.firstIndex(of: ":"),
              let k = Int(id[id.index(id.startIndex, offsetBy: Self.idPrefix.count)..<colon]),
              (1...seed.messages.count).contains(k) else { return nil }
        let rest = String(id[id.index(after: colon)...])
        if rest.hasPrefix("mut/"), let n = Int(rest.dropFirst(4)), n >= 1 { return mutator == nil ? nil : mutation(k: k, n) }
        if let c = own[k - 1].first(where: { $0.id == id }) { return c }
        return catalogue.fixed.first { $0.id == rest }.map { placed($0, at: k) }
    }

    /// `c` played in message k's place, after messages 1 ..< k as captured. Its own answers are
    /// judged only as far as the capture knows them: the answers to the messages before it.
    func placed(_ c: FuzzCase, at k: Int) -> FuzzCase {
        var out = c
        out.id = "\(Self.idPrefix)\(k):\(c.id)"
        out.writes = seed.writes(before: k) + c.writes
        out.expected = seed.answers(before: k)
        out.note = Self.after(k) + c.note
        return out
    }

    func mutation(k: Int, _ n: Int) -> FuzzCase {
        guard var c = mutator?.mutation(n, base: seed.bytes(k), salt: UInt64(k)) else {
            return FuzzCase(family: .mutation, writes: [], close: .fin, note: "")
        }
        c.id = "\(Self.idPrefix)\(k):mut/\(n)"
        c.writes = seed.writes(before: k) + c.writes
        c.expected = seed.answers(before: k)
        c.note = Self.after(k) + "message \(k), " + c.note
        return c
    }

    static func after(_ k: Int) -> String {
        k == 1 ? "as the first message: " : "after message\(k == 2 ? " 1" : "s 1-\(k - 1)") as captured: "
    }

    /// Message k itself, its bytes unchanged, at other write boundaries: one byte a write, split
    /// inside (at every offset of the length header, or in the middle), and with every later
    /// message in the same write (sticky). A right server answers it as the capture shows.
    static func ownCases(_ k: Int, seed: Seed, options: CatalogueOptions) -> [FuzzCase] {
        guard !options.udp, options.families.isEmpty || options.families.contains(.writeBoundaries) else { return [] }
        let bytes = seed.bytes(k)
        guard bytes.count > 1 else { return [] }
        let prefix = seed.writes(before: k)
        let through = Array(seed.answers.prefix(seed.answersBefore[k]))
        var out: [FuzzCase] = []
        var counts: [String: Int] = [:]
        func add(_ slug: String, _ writes: [[UInt8]], gap: Int, expected: [[UInt8]], note: String) {
            let n = (counts[slug] ?? 0) + 1
            counts[slug] = n
            out.append(FuzzCase(id: "\(idPrefix)\(k):\(slug)/\(n)", family: .writeBoundaries, writes: prefix + writes, close: .fin,
                                gapMillis: gap, expected: expected, note: after(k) + note))
        }
        if bytes.count <= 4096 {
            add("own-dribble", bytes.map { [$0] }, gap: 1, expected: through, note: "message \(k), one byte per write (拆包)")
        }
        let width = options.spec.headerWidth ?? 0
        let cuts = width > 0 ? Array(1...min(width, bytes.count - 1)) : [bytes.count / 2]
        for at in cuts {
            add("own-split", [Array(bytes.prefix(at)), Array(bytes.dropFirst(at))], gap: 5, expected: through,
                note: "message \(k) split after byte \(at)\(at == width ? " (header, then body)" : "")")
        }
        if k < seed.messages.count {
            let rest = (k...seed.messages.count).flatMap { seed.bytes($0) }
            add("own-sticky", [rest], gap: 0, expected: seed.answers,
                note: "messages \(k)-\(seed.messages.count) in one write (sticky, 粘包)")
        }
        return out
    }
}

/// What a run draws its cases from: the catalogue, or a seed's cases (`fuzz --from`).
public protocol CaseSource: Sendable {
    /// The number of cases in a run of at most `limit` cases.
    func count(limit: Int) -> Int
    /// Case `index` (0-based), in run order.
    func `case`(_ index: Int) -> FuzzCase?
    /// The case with this id, for `--replay`.
    func `case`(id: String) -> FuzzCase?
}

extension Catalogue: CaseSource {}
extension FromCatalogue: CaseSource {}
