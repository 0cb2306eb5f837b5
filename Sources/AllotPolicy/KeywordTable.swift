import CAllotKernels

/// Word classes the dense features count.
struct WordClass: OptionSet, Sendable {
    var rawValue: UInt8
    static let wh = WordClass(rawValue: 1)
    static let how = WordClass(rawValue: 2)
    static let manyMuch = WordClass(rawValue: 4)
    static let quantity = WordClass(rawValue: 8)
    static let unit = WordClass(rawValue: 16)
}

/// The keywords, by the word itself: a perfect hash of (its first 8 letters, its length) into 1024 slots, so a
/// word has one slot to compare with and no probing; the word's letters and length are then compared exactly.
/// The vector scan reads the same table (`allot_keywords`): one gathered probe per 8 words, from the bytes it
/// gathers anyway, with no hash of the word (a model without n-gram buckets hashes nothing). The word lists are
/// part of allot-text v1: changing them needs a new version.
struct KeywordTable: Sendable {
    static let slotBits = 10
    static let slots = 1 << slotBits
    /// Keywords are at most this long (letters 8 to 15 are `key1`): a longer word is no keyword.
    static let maxLength = 16

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

    /// Every keyword with the union of its classes ("how" is both `.wh` and `.how`), in list order.
    static let words: [(word: String, classes: WordClass)] = {
        var out: [(word: String, classes: WordClass)] = []
        func add(_ w: String, _ c: WordClass) {
            if let i = out.firstIndex(where: { $0.word == w }) { out[i].classes.formUnion(c) } else { out.append((w, c)) }
        }
        for w in whWords { add(w, .wh) }
        add("how", .how)
        add("many", .manyMuch)
        add("much", .manyMuch)
        for w in quantityWords { add(w, .quantity) }
        for w in unitWords { add(w, .unit) }
        return out
    }()

    /// The one table (its search for a multiplier runs once per process).
    static let shared = KeywordTable()

    let multiplier: UInt64
    /// `key0`, with the classes of a keyword under 8 letters in the (else empty) top byte: the vector scan's one
    /// load per word.
    private let entry: [UInt64]
    private let key0: [UInt64]
    private let key1: [UInt64]
    /// `classes | length << 8`; 0 for an empty slot (no word has length 0).
    private let info: [UInt32]

    private init() {
        // The first multiplier of a fixed sequence (SplitMix64) under which no two keywords share a slot (~1 in 50
        // does, for ~90 words in 1024 slots). Which one it is changes only the layout, never what matches.
        var state: UInt64 = 0x616C_6C6F_7421  // "allot!"
        while true {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            let m = (z ^ (z >> 31)) | 1
            var k0 = [UInt64](repeating: 0, count: Self.slots)
            var k1 = [UInt64](repeating: 0, count: Self.slots)
            var info = [UInt32](repeating: 0, count: Self.slots)
            var perfect = true
            for (word, classes) in Self.words {
                let bytes = Array(word.utf8)
                // Both scans rely on it: a keyword is 1...16 lowercase ASCII letters.
                precondition((1...Self.maxLength).contains(bytes.count) && bytes.allSatisfy { $0 &- 0x61 < 26 })
                let (a, b) = Self.keys(bytes)
                let slot = Self.slot(a, bytes.count, m)
                if info[slot] != 0 { perfect = false; break }
                (k0[slot], k1[slot], info[slot]) = (a, b, UInt32(classes.rawValue) | UInt32(bytes.count) << 8)
            }
            if perfect {
                multiplier = m
                entry = (0..<Self.slots).map { info[$0] >> 8 < 8 ? k0[$0] | UInt64(info[$0] & 0xFF) << 56 : k0[$0] }
                key0 = k0
                key1 = k1
                self.info = info
                return
            }
        }
    }

    /// Letters 0 to 7 and 8 to 15 of a lowercase word, little-endian, zeros past its end.
    static func keys(_ word: [UInt8]) -> (UInt64, UInt64) {
        var a: UInt64 = 0
        var b: UInt64 = 0
        for (i, c) in word.prefix(16).enumerated() {
            if i < 8 { a |= UInt64(c) << (8 * i) } else { b |= UInt64(c) << (8 * (i - 8)) }
        }
        return (a, b)
    }

    @inline(__always)
    static func slot(_ key0: UInt64, _ length: Int, _ multiplier: UInt64) -> Int {
        Int(truncatingIfNeeded: ((key0 &+ UInt64(truncatingIfNeeded: length)) &* multiplier) >> (64 - slotBits))
    }

    /// The classes of the word of `length` ASCII letters at `start` in `t` (case ignored): empty unless it is a
    /// keyword.
    @inline(__always)
    func lookup(_ t: UnsafeBufferPointer<UInt8>, start: Int, length: Int) -> WordClass {
        guard length <= Self.maxLength else { return [] }
        let lower: UInt64 = 0x2020_2020_2020_2020
        let a = Self.letters(t, from: start, count: min(length, 8)) | lower & Self.keep(min(length, 8))
        let slot = Self.slot(a, length, multiplier)
        let i = info[slot]
        guard Int(i >> 8) == length, key0[slot] == a else { return [] }
        if length > 8 {
            let b = Self.letters(t, from: start + 8, count: length - 8) | lower & Self.keep(length - 8)
            guard key1[slot] == b else { return [] }
        }
        return WordClass(rawValue: UInt8(truncatingIfNeeded: i))
    }

    /// The low `count` (1...8) bytes set.
    @inline(__always) static func keep(_ count: Int) -> UInt64 { ~0 >> (64 - 8 * UInt64(count)) }

    /// `count` (1...8) bytes of `t` from `start`, little-endian, zeros above.
    @inline(__always)
    static func letters(_ t: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) -> UInt64 {
        if start + 8 <= t.count {
            let w = UInt64(littleEndian: UnsafeRawPointer(t.baseAddress! + start).loadUnaligned(as: UInt64.self))
            return w & keep(count)
        }
        var w: UInt64 = 0
        for i in 0..<count { w |= UInt64(t[start + i]) << (8 * i) }
        return w
    }

    /// The table as `allot_text_scan` reads it.
    func withTable<R>(_ body: (UnsafePointer<allot_keywords>) -> R) -> R {
        entry.withUnsafeBufferPointer { e in
            key0.withUnsafeBufferPointer { k0 in
                key1.withUnsafeBufferPointer { k1 in
                    info.withUnsafeBufferPointer { i in
                        var table = allot_keywords(
                            multiplier: multiplier, shift: Int32(64 - Self.slotBits), entry: e.baseAddress,
                            key0: k0.baseAddress, key1: k1.baseAddress, info: i.baseAddress)
                        return body(&table)
                    }
                }
            }
        }
    }
}
