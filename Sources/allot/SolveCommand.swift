import AllotTrainer
import ArgumentParser

/// `allot solve`: the per-instance oracle at a mean-cost budget, and its whole accuracy-cost curve.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "The closed-form oracle at a mean-cost budget (Lagrangian + mixing at the breakpoint).",
        discussion: """
            Per instance a*(x) = argmax_a acc(x,a) - lambda*cost(x,a) (ties to the cheaper action). lambda* is \
            found by binary search over the instances' hull slopes (exact: no bisection tolerance), and the two \
            policies adjacent to it are mixed so the mean cost equals the budget (to floating-point rounding, \
            <= 1e-9 relative). Accuracy is the mixture's exact expectation. The best fixed allocation, random and \
            prompt-length baselines at the same budget are printed alongside.
            """)

    @Option(help: "Utility table (JSON Lines, docs/table-format.md).") var table: String
    @Option(help: "Optional actions file (JSON: action -> params).") var actions: String?
    @Option(help: "Mean cost budget, in the table's cost unit.") var budget: Double?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print the whole oracle accuracy-cost curve (its breakpoints).") var curve = false

    func validate() throws {
        if budget == nil && !curve { throw ValidationError("give --budget B, --curve, or both") }
    }

    func run() throws {
        let t = try UtilityTable.load(path: table, actionsFile: actions)
        let solver = Solver(table: t)
        let solution = try budget.map { try solver.solve(budget: $0) }
        if json {
            var fields: [String] = []
            if let s = solution { fields.append(Self.json(s, t)) }
            if curve { fields.append("\"curve\": [" + solver.curve.map(Self.json).joined(separator: ", ") + "]") }
            print("{" + fields.joined(separator: ", ") + "}")
            return
        }
        if let s = solution { printText(s, t) }
        if curve {
            print("lambda_max\tlambda_min\taccuracy\tmean_cost")
            for p in solver.curve {
                let upper = p.lambdaMax.isFinite ? "\(p.lambdaMax)" : "inf"
                print("\(upper)\t\(p.lambdaMin)\t\(p.accuracy)\t\(p.meanCost)")
            }
        }
    }

    func printText(_ s: OracleSolution, _ t: UtilityTable) {
        let names = { (r: BaselineResult) in r.actions.map { t.actions[$0] }.joined(separator: " + ") }
        print("budget      \(s.budget)")
        print("lambda*     \(s.lambda)" + (s.budgetBinds ? "" : "  (not binding: the most accurate policy costs less)"))
        print("accuracy    \(fmt(s.accuracy))")
        print("mean cost   \(s.meanCost)")
        let (hi, lo) = (s.highPoint, s.lowPoint)
        print("mix         \(fmt(s.mix)) of the costlier policy (acc \(fmt(hi.accuracy)), cost \(fmt(hi.meanCost))); "
            + "cheaper: acc \(fmt(lo.accuracy)), cost \(fmt(lo.meanCost))")
        let share = Self.share(s, actions: t.actions.count)
        print("actions     " + zip(t.actions, share).map { "\($0) \(fmt($1))" }.joined(separator: ", "))
        if let r = try? Baselines.bestFixed(t, budget: s.budget) {
            print("best fixed  \(fmt(r.accuracy)) (\(names(r)))")
        }
        if let r = try? Baselines.random(t, budget: s.budget) { print("random      \(fmt(r.accuracy)) (\(names(r)))") }
        if let r = try? Baselines.promptLength(t, budget: s.budget) {
            print("length      \(fmt(r.accuracy)) (prompt-length heuristic: \(names(r)))")
        }
    }

    /// Expected share of rows on each action under the mixture.
    static func share(_ s: OracleSolution, actions k: Int) -> [Double] {
        var share = Array(repeating: 0.0, count: k)
        let n = Double(max(s.low.count, 1))
        for a in s.low where a < k { share[a] += (1 - s.mix) / n }
        for a in s.high where a < k { share[a] += s.mix / n }
        return share
    }

    static func json(_ s: OracleSolution, _ t: UtilityTable) -> String {
        let share = Self.share(s, actions: t.actions.count)
        func acc(_ r: BaselineResult?) -> String { r.map { jsonNumber($0.accuracy) } ?? "null" }
        let fixed = acc(try? Baselines.bestFixed(t, budget: s.budget))
        let random = acc(try? Baselines.random(t, budget: s.budget))
        let length = acc(try? Baselines.promptLength(t, budget: s.budget))
        let shares = zip(t.actions, share).map { "\(jsonString($0)): \(jsonNumber($1))" }.joined(separator: ", ")
        return """
            "budget": \(jsonNumber(s.budget)), "lambda": \(jsonNumber(s.lambda)), \
            "accuracy": \(jsonNumber(s.accuracy)), "mean_cost": \(jsonNumber(s.meanCost)), \
            "mix": \(jsonNumber(s.mix)), \
            "budget_binds": \(s.budgetBinds), "low": \(json(s.lowPoint)), "high": \(json(s.highPoint)), \
            "action_share": {\(shares)}, "best_fixed_accuracy": \(fixed), \
            "random_accuracy": \(random), "prompt_length_accuracy": \(length)
            """
    }

    static func json(_ p: OraclePoint) -> String {
        "{\"lambda_max\": \(p.lambdaMax.isFinite ? jsonNumber(p.lambdaMax) : "null"), "
            + "\"lambda_min\": \(jsonNumber(p.lambdaMin)), \"accuracy\": \(jsonNumber(p.accuracy)), "
            + "\"mean_cost\": \(jsonNumber(p.meanCost))}"
    }
}

private func fmt(_ x: Double) -> String {
    let r = (x * 10_000).rounded() / 10_000
    return "\(r)"
}
