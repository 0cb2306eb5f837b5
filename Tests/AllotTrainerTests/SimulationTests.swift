import AllotModel
import AllotModelWriter
import AllotPolicy
import AllotTrainer
import Foundation
import Testing

/// A synthetic world: each prompt has a difficulty signal `d`; action `a` (cost 2^a samples) is right with
/// probability `1 − d · 0.75^a`, and the model's utility heads learned exactly that (on 10 bins of `d`).
private enum World {
    static let costs: [Double] = [1, 2, 4, 8, 16]
    static let edges: [Float] = (1..<10).map { Float($0) / 10 }

    static func table(rows: Int, seed: UInt64) -> UtilityTable {
        var rng = SplitMix64(seed: seed)
        var out: [TableRow] = []
        for i in 0..<rows {
            let d = rng.nextUnit()
            let length = 0.7 + 0.6 * rng.nextUnit()
            let acc = costs.indices.map { a in rng.nextUnit() < 1 - d * pow(0.75, Double(a)) ? 1.0 : 0.0 }
            out.append(
                TableRow(
                    id: "q\(i)", text: "question \(i)", acc: acc, cost: costs.map { $0 * length },
                    signals: ["d": d]))
        }
        return UtilityTable(actions: costs.indices.map { "b\(1 << $0)" }, rows: out)
    }

    /// Depth-4 oblivious trees on the signal slot, one per decile pair, reproducing the step function of `d`.
    static func model(table lambdaTable: [LambdaPoint]) -> AllotModelFile {
        let spec = FeatureSpec(hashBuckets: 0, ngramMax: 1, signals: ["d"])
        let slot = 28
        var edgeRows = [[Float]](repeating: [], count: slot + 1)
        edgeRows[slot] = edges
        var utility: [Head] = []
        for a in costs.indices {
            // One tree per bin boundary t: adds the step of the true function between bins t and t+1.
            var trees: [FloatTree] = []
            func truth(_ bin: Int) -> Float { Float(1 - (Double(bin) + 0.5) / 10 * pow(0.75, Double(a))) }
            for t in 1..<10 {
                trees.append(
                    FloatTree(features: [UInt16(slot)], thresholds: [UInt8(t)], leaves: [0, truth(t) - truth(t - 1)]))
            }
            utility.append(Head.quantize(base: truth(0), trees: trees))
        }
        return AllotModelFile(
            info: ModelInfo(id: "world", version: 1, createdAt: 0, costUnit: "samples"), features: spec,
            actions: costs.indices.map { ActionSpec(name: "b\(1 << $0)", params: "{}", meanCost: costs[$0]) },
            bins: FeatureBins(edges: edgeRows), utility: utility, cost: [Head?](repeating: nil, count: 5),
            lambdaTable: lambdaTable)
    }

    /// λ table from the model's own decisions on the table (what `learn` would ship).
    static func lambdaTable(_ t: UtilityTable) throws -> [LambdaPoint] {
        let sim = try Simulation(table: t, model: model(table: []))
        let p = sim.predictions()
        var points: [LambdaPoint] = []
        for k in stride(from: 40, through: 0, by: -1) {
            let lam = 0.1 * pow(0.8, Double(k))
            let cost = zip(t.rows, p).map { row, p in row.cost[Policy.choose(utilities: p.u, costs: p.c, lambda: lam)] }
            let mean = cost.reduce(0, +) / Double(cost.count)
            if points.last.map({ mean < $0.budget }) ?? true {
                points.append(LambdaPoint(budget: mean, lambda: lam, mix: 0))
            }
        }
        return points.reversed()
    }
}

private let world = World.table(rows: 6000, seed: 1)
private let worldModel = World.model(table: (try? World.lambdaTable(World.table(rows: 3000, seed: 2))) ?? [])

@Test(arguments: [Simulation.Shift.none, .hardFirst, .easyFirst, .longFirst])
func holdsTheBudgetOnAShiftedStream(shift: Simulation.Shift) throws {
    let sim = try Simulation(table: world, model: worldModel)
    var o = Simulation.Options(budget: 4)
    o.shift = shift
    let r = try sim.run(o)
    #expect(r.requests == 6000)
    #expect(abs(r.costDeviation) < 0.01, "mean cost \(r.meanCost)")
    #expect(abs(r.worstWindowDeviation ?? 1) < 0.05, "worst window \(r.worstWindowDeviation ?? -1)")
    #expect(abs(r.fixedMeanCost / r.meanCost - 1) < 1e-9)
    if shift == .none {
        #expect(r.targets.filter { !$0.key.hasPrefix("accuracy_within_0.5pt") }.values.allSatisfy { $0 })
        // One run's gap scatters by about ±0.2 points with the seed (the shuffle decides which prompts meet which
        // λ), so the accuracy target is checked on the mean over four seeds.
        var gap = 0.0
        for seed: UInt64 in 1...4 {
            var s = o
            s.seed = seed
            gap += try sim.run(s).accuracyGapPoints / 4
        }
        #expect(gap > -0.5, "mean gap \(gap)")
    } else {
        #expect(r.shiftPoints == [2000])
        #expect(r.recovered && (r.recovery ?? 0) <= 500, "recovery \(r.recovery ?? -1)")
    }
    if shift == .hardFirst || shift == .easyFirst {
        // Holding every window costs accuracy against a fixed price that breaks them: the fixed price spends
        // far from the budget in the first third.
        #expect(abs(r.fixedWorstWindowDeviation ?? 0) > 0.2)
        // A fixed price per regime holds them (its largest window straddles the shift) and is what the pacer is
        // held to there: within half a point.
        #expect(abs(r.segmentFixedWorstWindowDeviation ?? 1) < 0.1, "\(r.segmentFixedWorstWindowDeviation ?? -1)")
        #expect(r.segmentGapPoints > -0.5, "per-regime gap \(r.segmentGapPoints)")
        #expect(r.segmentFixedAccuracy < r.fixedAccuracy)
        #expect(r.targets["accuracy_within_0.5pt_per_regime"] == true)
    }
    if shift == .none {
        // Without a shift there is one regime: the same fixed λ.
        #expect(abs(r.segmentFixedAccuracy - r.fixedAccuracy) < 1e-12)
    }
}

@Test func lateReportsAndRepeatedPassesStillHoldTheBudget() throws {
    let sim = try Simulation(table: World.table(rows: 1500, seed: 3), model: worldModel)
    var o = Simulation.Options(budget: 3)
    o.reportDelay = 64
    o.passes = 3
    o.shift = .hardFirst
    let r = try sim.run(o)
    #expect(r.requests == 4500)
    #expect(r.shiftPoints == [500, 1500, 2000, 3000, 3500])
    #expect(abs(r.costDeviation) < 0.01)
    #expect(abs(r.worstWindowDeviation ?? 1) < 0.05)
}

@Test func runsAreReproducibleAndSeedsMatter() throws {
    let sim = try Simulation(table: World.table(rows: 800, seed: 4), model: worldModel)
    var o = Simulation.Options(budget: 5)
    o.shift = .hardFirst
    let a = try sim.run(o)
    let b = try sim.run(o)
    #expect(a == b)
    #expect(a.jsonText() == b.jsonText())
    o.seed = 2
    #expect(try sim.run(o).meanCost != a.meanCost)
    let json = try JSONSerialization.jsonObject(with: Data(a.jsonText().utf8)) as? [String: Any]
    #expect(json?["mean_cost"] as? Double == a.meanCost)
    // JSONSerialization writes 15 significant digits on Linux: equal to that precision, not bit for bit.
    let fixed = (json?["fixed"] as? [String: Any])?["accuracy"] as? Double ?? .nan
    #expect(abs(fixed - a.fixedAccuracy) <= 1e-14 * abs(a.fixedAccuracy))
}

@Test func hindsightFixedPolicyHitsTheTargetCostAndIsMonotone() throws {
    let sim = try Simulation(table: World.table(rows: 2000, seed: 5), model: worldModel)
    let p = sim.predictions()
    let stream = zip(sim.table.rows, p).map { (row: $0, p: $1) }
    var lastAcc = -1.0
    for target in [1.5, 3.0, 6.0, 12.0] {
        let h = sim.hindsight(stream, target: target)
        #expect(h.lambdaLo <= h.lambda && h.weightLo >= 0 && h.weightLo <= 1)
        #expect(abs(h.cost / target - 1) < 1e-6)
        #expect(h.accuracy >= lastAcc - 1e-12)
        lastAcc = h.accuracy
    }
    // Beyond the most accurate policy's cost there is nothing to buy.
    let top = sim.hindsight(stream, target: 1000)
    #expect(top.cost < 1000)
}

@Test func rejectsAModelWhoseActionsAreNotInTheTable() throws {
    var t = world
    t.actions[0] = "other"
    #expect(throws: SimulationError.self) { try Simulation(table: t, model: worldModel) }
}

@Test func aModelThroughTheFileFormatSimulatesTheSame() throws {
    let decoded = try ModelReader.decode(try ModelWriter.encode(worldModel))
    let table = World.table(rows: 1200, seed: 6)
    var o = Simulation.Options(budget: 4)
    o.shift = .hardFirst
    #expect(try Simulation(table: table, model: decoded).run(o) == Simulation(table: table, model: worldModel).run(o))
}


/// The steady windows are the windows after warm-up but those ending in the first `min(recovery, 500)`
/// requests after each shift point, each against `min(B, Σ ceiling)` of its requests: checked against a direct
/// computation on random streams with shifts, and on a burst nobody pays back, which stays out of band for ~566
/// requests, so its windows past the 500-request allowance count.
@Test func steadyWindowsLeaveOutTheRecoveryAllowance() {
    var rng = SplitMix64(seed: 12)
    for _ in 0..<10 {
        let n = 1200 + Int(rng.next() % 1200)
        let w = 100
        let cost = (0..<n).map { i in 10 * (1 + 0.3 * sin(Double(i) / 40) + 0.2 * (rng.nextUnit() - 0.5)) }
        let ceiling = cost.map { $0 * (1 + 0.3 * rng.nextUnit()) }
        let p = Simulation.pacing(cost: cost, budget: 10, window: w, shift: .easyFirst, passes: 2, tolerance: 0.05,
                                  ceiling: ceiling)
        let deviation = (0...n).map { t in t < 1 ? 0 : spendable(cost, ceiling, t - min(t, w), t, 10) }
        // Each point's allowance: its recovery (the last out-of-band window before the next point), at most 500.
        var exempt = [Bool](repeating: false, count: n + 1)
        for (j, s) in p.shiftPoints.enumerated() {
            let next = j + 1 < p.shiftPoints.count ? p.shiftPoints[j + 1] : n
            let last = ((s + 1)...next).last { abs(deviation[$0]) > 0.05 } ?? s
            for t in stride(from: s + 1, through: s + min(last - s, 500), by: 1) { exempt[t] = true }
        }
        var expected: Double?
        for t in (2 * w)...n where !exempt[t] {
            if expected == nil || abs(deviation[t]) > abs(expected!) { expected = deviation[t] }
        }
        #expect(abs((p.steadyWorst ?? .nan) - (expected ?? .nan)) < 1e-12)
    }

    var unpaid = [Double](repeating: 10, count: 3000)
    for i in 1000..<1150 { unpaid[i] = 13 }
    let q = Simulation.pacing(cost: unpaid, budget: 10, window: 500, shift: .hardFirst, passes: 1, tolerance: 0.05,
                              ceiling: [Double](repeating: 100, count: 3000))
    #expect(q.shiftPoints == [1000] && q.recovery == 566 && q.spendableRecovery == 566)
    #expect(abs((q.steadyWorst ?? 0) - 3 * 149 / 5000) < 1e-9)  // the window ending 501 after the shift
}

/// A window's deviation from the budget it can spend: `min(B · n, max(Σ ceiling, spent))`.
private func spendable(_ cost: [Double], _ ceiling: [Double], _ from: Int, _ to: Int, _ budget: Double) -> Double {
    let spent = cost[from..<to].reduce(0, +)
    return spent / min(budget * Double(to - from), max(ceiling[from..<to].reduce(0, +), spent)) - 1
}

/// Where the most the policy would spend (every request at λ = 0) is below the budget, spending it is on target:
/// the strict window says −20%, the spendable one 0; where the budget could bind, underspending still counts.
@Test func spendableWindowsDoNotCountABudgetThatCannotBind() {
    var cost = [Double](repeating: 10, count: 3000)
    var ceiling = [Double](repeating: 10, count: 3000)
    for i in 1500..<3000 {
        cost[i] = 8
        ceiling[i] = 8
    }
    let p = Simulation.pacing(cost: cost, budget: 10, window: 500, shift: .none, passes: 1, tolerance: 0.05,
                              ceiling: ceiling)
    #expect(abs((p.worst ?? 0) + 0.2) < 1e-9)
    #expect(abs(p.steadyWorst ?? 1) < 1e-9)
    let strict = Simulation.pacing(cost: cost, budget: 10, window: 500, shift: .none, passes: 1, tolerance: 0.05)
    #expect(strict.steadyWorst == nil && strict.worst == p.worst)
    for i in 1500..<3000 { ceiling[i] = 20 }
    let binding = Simulation.pacing(cost: cost, budget: 10, window: 500, shift: .none, passes: 1, tolerance: 0.05,
                                    ceiling: ceiling)
    #expect(abs((binding.steadyWorst ?? 0) + 0.2) < 1e-9)
    // Requests whose cheaper-predicted action costs more in fact spend above their ceiling: on target while the
    // window stays within B, over it when it does not.
    let over = Simulation.pacing(cost: [Double](repeating: 9, count: 3000), budget: 10, window: 500, shift: .none,
                                 passes: 1, tolerance: 0.05, ceiling: [Double](repeating: 6, count: 3000))
    #expect(abs(over.steadyWorst ?? 1) < 1e-9)
    let above = Simulation.pacing(cost: [Double](repeating: 12, count: 3000), budget: 10, window: 500, shift: .none,
                                  passes: 1, tolerance: 0.05, ceiling: [Double](repeating: 6, count: 3000))
    #expect(abs((above.steadyWorst ?? 0) - 0.2) < 1e-9)
}
