/// One instance of a utility table (docs/table-format.md): a prompt, and for each action its accuracy and cost.
public struct TableRow: Sendable, Equatable {
    public var id: String
    public var text: String?
    /// Accuracy per action, in the table's action order, each in [0, 1].
    public var acc: [Double]
    /// Cost per action, in the table's action order, each positive and finite.
    public var cost: [Double]
    /// Runtime signals by name; absent ones are missing.
    public var signals: [String: Double]

    public init(id: String, text: String?, acc: [Double], cost: [Double], signals: [String: Double] = [:]) {
        self.id = id
        self.text = text
        self.acc = acc
        self.cost = cost
        self.signals = signals
    }
}

/// A utility table: the action names (in order) and its rows.
///
/// Loaded tables order their actions by mean cost ascending, ties by name (UTF-8 byte order): see
/// docs/table-format.md.
public struct UtilityTable: Sendable, Equatable {
    public var actions: [String]
    public var rows: [TableRow]
    /// Runtime parameters of each action, as canonical JSON object text (sorted keys), from the actions file.
    /// Actions without an entry have none; `[:]` when no actions file was given.
    public var actionParams: [String: String]

    public init(actions: [String], rows: [TableRow], actionParams: [String: String] = [:]) {
        self.actions = actions
        self.rows = rows
        self.actionParams = actionParams
    }

    /// The same table with its actions in `order` (a permutation of `actions`), or nil when `order` names other
    /// actions. A part of a table can order its actions by mean cost differently from the table a model learned.
    public func reordered(to order: [String]) -> UtilityTable? {
        guard order.count == actions.count, Set(order) == Set(actions) else { return nil }
        let from = order.map { actions.firstIndex(of: $0)! }
        var t = self
        t.actions = order
        for i in t.rows.indices {
            t.rows[i].acc = from.map { rows[i].acc[$0] }
            t.rows[i].cost = from.map { rows[i].cost[$0] }
        }
        return t
    }
}
