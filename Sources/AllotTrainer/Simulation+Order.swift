import AllotModel
import AllotPolicy

extension Simulation {
    /// The arrival order of one pass: a seeded shuffle, or one third of the rows (by difficulty or length) first,
    /// each part shuffled. The shift point is the size of that first third.
    package static func order(_ table: UtilityTable, shift: Shift, rng: inout SplitMix64) -> [Int] {
        var all = Array(table.rows.indices)
        all.shuffle(using: &rng)
        guard shift != .none else { return all }
        func key(_ i: Int) -> Double {
            let row = table.rows[i]
            switch shift {
            case .hardFirst: return row.acc.reduce(0, +) / Double(row.acc.count)
            case .easyFirst: return -row.acc.reduce(0, +) / Double(row.acc.count)
            case .longFirst: return -Double(row.text?.utf8.count ?? 0)
            case .none: return 0
            }
        }
        // Stable on the shuffled order, so ties are broken by the seed, not by the table's order.
        let ranked = all.enumerated().sorted { (key($0.element), $0.offset) < (key($1.element), $1.offset) }
            .map(\.element)
        let third = ranked.count / 3
        var first = Array(ranked[..<third])
        var rest = Array(ranked[third...])
        first.shuffle(using: &rng)
        rest.shuffle(using: &rng)
        return first + rest
    }

    static func shiftPoint(_ n: Int, passes: Int, shift: Shift) -> Int? {
        shift == .none ? nil : (n / passes) / 3
    }
}
