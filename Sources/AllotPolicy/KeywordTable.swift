/// Word classes the dense features count, keyed by the FNV-1a hash of the lowercased word.
struct WordClass: OptionSet, Sendable {
    var rawValue: UInt8
    static let wh = WordClass(rawValue: 1)
    static let how = WordClass(rawValue: 2)
    static let manyMuch = WordClass(rawValue: 4)
    static let quantity = WordClass(rawValue: 8)
    static let unit = WordClass(rawValue: 16)
}

/// A fixed open-addressing table from word hash to `WordClass`: one multiply-free probe per word on the hot path,
/// no hashing of Swift strings. The word lists are part of allot-text v1: changing them needs a new version.
struct KeywordTable: Sendable {
    /// ~90 words in 4096 slots, by the hash's low 12 bits: a non-keyword almost always lands on an empty slot and
    /// stops at the first probe. On the GSM8K prompts 0.7% of words probe on; by the top 12 bits, which FNV-1a
    /// mixes poorly in short words, 17% did (80% of the vector scan's groups of 8 words took its scalar probe).
    static let capacity = 4096
    private var keys: [UInt64]
    private var classes: [UInt8]

    static let whWords = ["what", "which", "who", "whom", "whose", "when", "where", "why", "how"]
    static let quantityWords = [
        "total", "each", "per", "every", "more", "less", "fewer", "than", "times", "twice", "half", "double",
        "triple", "third", "quarter", "remaining", "left", "altogether", "difference", "sum", "product", "average",
        "percent", "ratio", "rest", "remainder", "combined", "increase", "decrease", "profit", "cost", "costs",
    ]
    static let unitWords = [
        "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month",
        "months", "year", "years", "dollar", "dollars", "cent", "cents", "mile", "miles", "meter", "meters",
        "feet", "foot", "inch", "inches", "pound", "pounds", "kilogram", "kilograms", "kg", "gram", "grams",
        "liter", "liters", "gallon", "gallons", "cup", "cups", "km", "cm", "mph",
    ]

    init() {
        keys = [UInt64](repeating: 0, count: Self.capacity)
        // 3 bytes past the slots: the vector scan gathers a slot's class as 4 bytes.
        classes = [UInt8](repeating: 0, count: Self.capacity + 3)
        for w in Self.whWords { insert(w, .wh) }
        insert("how", .how)
        insert("many", .manyMuch)
        insert("much", .manyMuch)
        for w in Self.quantityWords { insert(w, .quantity) }
        for w in Self.unitWords { insert(w, .unit) }
    }

    private mutating func insert(_ word: String, _ cls: WordClass) {
        let h = FNV1a.hash(word.utf8)
        var i = Int(truncatingIfNeeded: h) & (Self.capacity - 1)
        while keys[i] != 0 && keys[i] != h { i = (i + 1) & (Self.capacity - 1) }
        keys[i] = h
        classes[i] |= cls.rawValue
    }

    /// The table's `capacity` keys and classes (then 3 bytes of padding), for the vector scan's look-ups.
    func withStorage<R>(_ body: (UnsafePointer<UInt64>, UnsafePointer<UInt8>) -> R) -> R {
        keys.withUnsafeBufferPointer { k in classes.withUnsafeBufferPointer { body(k.baseAddress!, $0.baseAddress!) } }
    }

    /// The classes of the word whose lowercased FNV-1a hash is `h` (empty when it is no keyword).
    @inline(__always)
    func lookup(_ h: UInt64) -> WordClass {
        var i = Int(truncatingIfNeeded: h) & (Self.capacity - 1)
        while true {
            let k = keys[i]
            if k == h { return WordClass(rawValue: classes[i]) }
            if k == 0 { return [] }
            i = (i &+ 1) & (Self.capacity - 1)
        }
    }
}
