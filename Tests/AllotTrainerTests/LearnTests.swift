import AllotModel
import AllotPolicy
import AllotTrainer
import Foundation
import Testing

/// A synthetic table of `n` prompts and three actions (cost 1, 2, 4). With `informative`, feature 0 says which
/// prompts the cheap action already solves (so a learned router beats any fixed mix); otherwise features are noise.
private func syntheticData(_ n: Int, informative: Bool, seed: UInt64 = 3) -> LearnData {
    var rng = GBDTRandom(seed: seed)
    var rows: [TableRow] = []
    var features: [[Float]] = []
    features.reserveCapacity(n)
    for i in 0..<n {
        let easy = rng.nextUnit() < 0.5
        let noise = Float(rng.nextUnit())
        let hint: Float = informative ? (easy ? 1 : 0) + Float(rng.nextUnit()) * 0.2 : Float(rng.nextUnit())
        let acc: [Double] = easy ? [1, 1, 1] : [rng.nextUnit() < 0.2 ? 1 : 0, rng.nextUnit() < 0.5 ? 1 : 0,
                                                 rng.nextUnit() < 0.9 ? 1 : 0]
        let signals = ["hint": Double(hint), "noise": Double(noise), "mod7": Double(i % 7)]
        rows.append(TableRow(id: "\(i)", text: i % 2 == 0 ? "What is \(i) + 1?" : nil, acc: acc, cost: [1, 2, 4],
                             signals: signals))
        features.append(syntheticExtractor.extract(text: rows[i].text, signals: signals))
    }
    return LearnData(table: UtilityTable(actions: ["small", "medium", "large"], rows: rows), features: features)
}

private let syntheticSpec = FeatureSpec(hashBuckets: 8, ngramMax: 1, signals: ["hint", "noise", "mod7"])
// swiftlint:disable:next force_try
private let syntheticExtractor = try! FeatureExtractor(spec: syntheticSpec)

private func quickOptions() -> LearnOptions {
    var o = LearnOptions()
    o.folds = 3
    o.grid = [GBDTParameters(depth: 2, learningRate: 0.1, maxTrees: 40, l2: 5, minLeaf: 10, earlyStopping: 10)]
    o.costParams = GBDTParameters(depth: 2, maxTrees: 10)
    o.imitationParams = GBDTParameters(depth: 2, learningRate: 0.2, maxTrees: 10, earlyStopping: 5)
    o.imitationBudgets = [2]
    o.budgetCount = 5
    o.alphas = [1, 0.5, 0]
    return o
}

@Test func matchedCostHitsTheBudgetAndOracleBoundsEveryone() {
    let d = syntheticData(300, informative: true)
    let oracle = EvalCurve(oracle: d.table)
    let fixed = Learner.fixedCurve(d)
    for budget in [1.2, 1.7, 2.5, 3.3] {
        let o = oracle.match(budget: budget)
        let f = fixed.match(budget: budget)
        #expect(abs(f.meanCost - budget) < 1e-6)
        #expect(o.meanCost <= budget + 1e-6)
        #expect(o.accuracy >= f.accuracy - 1e-12)
        #expect((0...1).contains(f.mix))
    }
    // The fixed allocation interpolates the upper hull of (mean cost, mean accuracy).
    let f = fixed.match(budget: 3)
    let expected = 0.5 * d.meanAccuracy[1] + 0.5 * d.meanAccuracy[2]
    #expect(abs(f.accuracy - expected) < 1e-9 || f.accuracy > expected)
}

@Test func meanCostIsNonIncreasingInLambda() {
    let d = syntheticData(200, informative: true)
    var rng = GBDTRandom(seed: 8)
    let score = (0..<200).map { _ in (0..<3).map { _ in rng.nextUnit() } }
    let curve = EvalCurve(score: score, predictedCost: d.table.rows.map(\.cost), acc: d.table.rows.map(\.acc),
                          cost: d.table.rows.map(\.cost))
    var last = Double.infinity
    for lambda in stride(from: 0.0, through: 2, by: 0.01) {
        let c = curve.outcome(lambda: lambda).meanCost
        #expect(c <= last + 1e-12)
        last = c
    }
}

@Test func informativeFeaturesBeatTheFixedAllocation() {
    let d = syntheticData(600, informative: true)
    let result = Learner(d, options: quickOptions()).run()
    #expect(result.alpha > 0)
    for b in result.budgets.indices {
        #expect(result.policy[b].accuracy >= result.fixed[b].accuracy - 1e-9)
        #expect(abs(result.policy[b].meanCost - result.budgets[b]) < 1e-6 * result.budgets[b]
            || result.policy[b].meanCost < result.budgets[b])
    }
    let mid = result.budgets.count / 2
    #expect(result.policy[mid].accuracy > result.fixed[mid].accuracy + 0.05)
    #expect(result.imitation.count == 1)
}

@Test func noiseFeaturesFallBackToTheFixedAllocation() {
    let d = syntheticData(400, informative: false)
    let result = Learner(d, options: quickOptions()).run()
    for b in result.budgets.indices {
        #expect(result.policy[b].accuracy >= result.fixed[b].accuracy - 1e-9)
    }
    if result.fellBack {
        #expect(result.heads.treeCount == 0)
        for b in result.budgets.indices {
            #expect(abs(result.policy[b].accuracy - result.fixed[b].accuracy) < 1e-9)
        }
    }
}

@Test func packagedModelIsDeterministicAndServesLikeTheFloatPolicy() throws {
    let d = syntheticData(300, informative: true)
    let result = Learner(d, options: quickOptions()).run()
    let spec = syntheticSpec
    let info = ModelInfo(id: "synthetic", version: 1, createdAt: 0, costUnit: "units")
    let card = LearnCard(result: result, data: d, info: info, source: "synthetic", folds: 3, seed: 1)
    let json = { (p: LearnPackage) in card.json(p) }
    let a = try LearnPackage.build(result, data: d, spec: spec, info: info, card: json)
    let b = try LearnPackage.build(result, data: d, spec: spec, info: info, card: json)
    #expect(a.bytes == b.bytes)
    #expect(a.quantizationAgreement >= 0.995)
    let decoded = try ModelReader.decode(a.bytes)
    #expect(decoded == a.model)
    #expect(decoded.card.contains("\"recommended_budget\":"))
    // λ table: sorted budgets, non-increasing prices, mixes in [0, 1].
    let table = decoded.lambdaTable
    #expect(zip(table, table.dropFirst()).allSatisfy { $0.budget < $1.budget && $0.lambda >= $1.lambda })
    #expect(table.allSatisfy { (0...1).contains($0.mix) })
}

@Test func servedPolicyAtTheLambdaTableSpendsEachBudget() throws {
    let d = syntheticData(300, informative: true)
    let result = Learner(d, options: quickOptions()).run()
    let info = ModelInfo(id: "synthetic", version: 1, createdAt: 0, costUnit: "units")
    let package = try LearnPackage.build(result, data: d, spec: syntheticSpec, info: info) { _ in .object([]) }
    let policy = try Policy(model: package.model)
    let served = d.features.map { policy.evaluate(features: $0) }
    // The device's decision rule (ties: π⁺ cheaper, π⁻ costlier; π⁻ with probability mix) on the training rows.
    // Every point whose budget binds (0 < λ < the search's ceiling) must be spent exactly.
    var checked = 0
    for point in package.model.lambdaTable where point.lambda > 0 && point.lambda < 1e11 {
        var spend = [0.0, 0.0]
        for (r, s) in served.enumerated() {
            for (k, draw) in [0.0, 1.0].enumerated() {
                let a = Policy.choose(utilities: s.utilities, costs: s.costs, lambda: point.lambda, mix: point.mix,
                                      draw: draw)
                spend[k] += d.table.rows[r].cost[a]
            }
        }
        let n = Double(d.rowCount)
        let expected = point.mix * spend[0] / n + (1 - point.mix) * spend[1] / n
        #expect(abs(expected - point.budget) < 1e-6 * point.budget, "budget \(point.budget): \(expected)")
        checked += 1
    }
    #expect(checked >= result.budgets.count - 1)
}

/// The committed models, served as the device serves them on their own tables, spend each λ-table budget.
@Test(arguments: ["gsm8k-cascade", "gsm8k-ladder"])
func shippedModelSpendsItsLambdaTableBudgets(_ name: String) throws {
    let root = TestPaths.repoRoot.path
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/Models/\(name).allot")))
    let model = try ModelReader.decode(bytes)
    #expect(model.card.contains("\"recommended_budget\":"))
    let policy = try Policy(model: model)
    let table = try UtilityTable.load(path: TestPaths.data("\(name).jsonl"))
    #expect(table.actions == model.actions.map(\.name))
    let served = table.rows.map {
        policy.evaluate(features: policy.extractor.extract(text: $0.text, signals: $0.signals))
    }
    var checked = 0
    for point in model.lambdaTable where point.lambda > 0 && point.lambda < 1e11 {
        var spend = [0.0, 0.0]
        for (r, s) in served.enumerated() {
            for (k, draw) in [0.0, 1.0].enumerated() {
                let a = Policy.choose(utilities: s.utilities, costs: s.costs, lambda: point.lambda, mix: point.mix,
                                      draw: draw)
                spend[k] += table.rows[r].cost[a]
            }
        }
        let n = Double(table.rows.count)
        let expected = point.mix * spend[0] / n + (1 - point.mix) * spend[1] / n
        #expect(abs(expected - point.budget) < 1e-6 * point.budget, "\(name) budget \(point.budget): \(expected)")
        checked += 1
    }
    #expect(checked >= 8)
}
