/// A randomised allocation of one row: action `high` with probability `p`, else `low`.
public struct RowMix: Sendable, Equatable {
    public var low: Int
    public var high: Int
    public var p: Double

    public init(low: Int, high: Int, p: Double) {
        self.low = low
        self.high = high
        self.p = p
    }
}

/// A baseline allocation at a budget, and its exact expected accuracy and mean cost on the table it was built on.
public struct BaselineResult: Sendable, Equatable {
    /// `best-fixed`, `random` or `prompt-length`.
    public var name: String
    public var budget: Double
    /// Expected mean accuracy: `mean_i (1−p_i)·acc(x_i, low_i) + p_i·acc(x_i, high_i)`.
    public var accuracy: Double
    /// Expected mean cost, same form; equals `budget` when the budget binds.
    public var meanCost: Double
    /// The (at most two) actions the baseline mixes, cheaper first.
    public var actions: [Int]
    /// Per row, the allocation.
    public var rows: [RowMix]

    /// Expected accuracy and mean cost of per-row allocations on `table` (rows in the same order; allocations
    /// naming actions a row lacks count as 0).
    public static func evaluate(_ table: UtilityTable, _ mixes: [RowMix]) -> (accuracy: Double, meanCost: Double) {
        guard !table.rows.isEmpty else { return (0, 0) }
        var a = 0.0
        var c = 0.0
        let valid = { (row: TableRow, k: Int) in row.acc.indices.contains(k) && row.cost.indices.contains(k) }
        for (row, m) in zip(table.rows, mixes) where valid(row, m.low) && valid(row, m.high) {
            a += (1 - m.p) * row.acc[m.low] + m.p * row.acc[m.high]
            c += (1 - m.p) * row.cost[m.low] + m.p * row.cost[m.high]
        }
        let n = Double(table.rows.count)
        return (a / n, c / n)
    }
}
