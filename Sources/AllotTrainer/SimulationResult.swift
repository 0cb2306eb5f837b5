import Foundation

/// The figures of one `allot simulate` run. Deviations are relative to the budget (0.01 = 1% over).
public struct SimulationResult: Sendable, Equatable {
    public var requests: Int
    public var budget: Double
    public var window: Int
    public var shift: Simulation.Shift
    public var seed: UInt64
    public var reportDelay: Int
    public var gain: Double

    public var meanCost: Double
    public var accuracy: Double
    /// Worst (largest in magnitude, signed) rolling-window deviation over windows starting after the first
    /// `window` requests (nil: too short).
    public var worstWindowDeviation: Double?
    /// Worst deviation over every full window, the first included.
    public var worstWindowDeviationAll: Double?
    /// Shift points (request indices) and, for each, the requests until the rolling window is back within the
    /// tolerance and stays (to the next shift point or the end); `recovered` false if it never is.
    public var shiftPoints: [Int]
    public var recovery: Int?
    public var recovered: Bool
    /// Against the budget the policy can spend, `min(B, mean cost at λ = 0)` per window (`Simulation.pacing`): the
    /// worst window after warm-up outside each shift's recovery allowance (≤ 500 requests), and the recovery.
    public var steadyWorstWindowDeviation: Double?
    public var spendableRecovery: Int?
    public var spendableRecovered: Bool

    public var initialLambda: Double
    public var finalLambda: Double
    public var actionShare: [String: Double]

    /// The best fixed λ in hindsight at the same realized mean cost (mixing the two bracketing policies).
    public var fixedLambda: Double
    public var fixedAccuracy: Double
    public var fixedMeanCost: Double
    /// That fixed policy's own worst window deviation (after warm-up) on this stream: on a shifted stream a
    /// fixed price cannot hold the window, which is why the paced policy may trail it in accuracy there.
    public var fixedWorstWindowDeviation: Double?
    /// The best fixed λ in hindsight per regime: between shift points, the fixed λ at the cost the paced policy
    /// realized there (equal to `fixedAccuracy` without a shift). It spends each regime's budget as the pacer must
    /// (its windows still vary as a fixed price's do on shuffled traffic), so on a shifted stream it is the fair
    /// reference; `fixedAccuracy` is what borrowing budget across regimes would buy.
    public var segmentFixedAccuracy: Double
    public var segmentFixedWorstWindowDeviation: Double?
    /// The model's own offline λ* at the budget, unadapted (with the table's mixing probability).
    public var tableLambda: Double
    public var tableAccuracy: Double
    public var tableMeanCost: Double

    public var costDeviation: Double { meanCost / budget - 1 }
    /// Accuracy minus the hindsight fixed-λ accuracy, in points.
    public var accuracyGapPoints: Double { 100 * (accuracy - fixedAccuracy) }
    /// Accuracy minus the per-regime hindsight fixed-λ accuracy, in points.
    public var segmentGapPoints: Double { 100 * (accuracy - segmentFixedAccuracy) }

    /// The targets: mean cost ±1%, every window after warm-up ±5%, recovery ≤ 500 requests, and accuracy
    /// no more than 0.5 points below the fixed offline policy at the same cost (the whole stream's, and per regime).
    public var targets: [String: Bool] {
        var t: [String: Bool] = [
            "mean_cost_within_1pct": abs(costDeviation) <= 0.01,
            "accuracy_within_0.5pt": accuracyGapPoints >= -0.5,
            "accuracy_within_0.5pt_per_regime": segmentGapPoints >= -0.5,
        ]
        if let w = worstWindowDeviation { t["windows_within_5pct"] = abs(w) <= 0.05 }
        if !shiftPoints.isEmpty { t["recovery_within_500"] = recovered && (recovery ?? 0) <= 500 }
        if let w = steadyWorstWindowDeviation { t["steady_windows_within_5pct"] = abs(w) <= 0.05 }
        if !shiftPoints.isEmpty, let r = spendableRecovery {
            t["spendable_recovery_within_500"] = spendableRecovered && r <= 500
        }
        return t
    }

    public func jsonObject() -> [String: Any] {
        var o: [String: Any] = [
            "requests": requests, "budget": budget, "window": window, "shift": shift.rawValue, "seed": seed,
            "report_delay": reportDelay, "gain": gain, "mean_cost": meanCost, "cost_deviation": costDeviation,
            "accuracy": accuracy, "initial_lambda": initialLambda, "final_lambda": finalLambda,
            "action_share": actionShare, "targets": targets, "accuracy_gap_points": accuracyGapPoints,
            "fixed": [
                "lambda": fixedLambda, "accuracy": fixedAccuracy, "mean_cost": fixedMeanCost,
                "worst_window_deviation": fixedWorstWindowDeviation ?? NSNull(),
            ] as [String: Any],
            "segment_fixed": [
                "accuracy": segmentFixedAccuracy,
                "worst_window_deviation": segmentFixedWorstWindowDeviation ?? NSNull(),
            ] as [String: Any],
            "segment_gap_points": segmentGapPoints,
            "table_lambda": ["lambda": tableLambda, "accuracy": tableAccuracy, "mean_cost": tableMeanCost],
        ]
        o["worst_window_deviation"] = worstWindowDeviation ?? NSNull()
        o["worst_window_deviation_all"] = worstWindowDeviationAll ?? NSNull()
        o["steady_worst_window_deviation"] = steadyWorstWindowDeviation ?? NSNull()
        if !shiftPoints.isEmpty {
            o["shift_points"] = shiftPoints
            o["recovery"] = recovery ?? NSNull()
            o["recovered"] = recovered
            o["spendable_recovery"] = spendableRecovery ?? NSNull()
            o["spendable_recovered"] = spendableRecovered
        }
        return o
    }

    public func jsonText() -> String {
        let data = (try? JSONSerialization.data(withJSONObject: jsonObject(), options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
