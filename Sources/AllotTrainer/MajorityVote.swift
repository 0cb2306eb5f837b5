/// Exact expected accuracy of a majority vote over `b` samples drawn without replacement from a question's `n`.
///
/// The samples fall into groups by answer: the gold answer's `G` samples, the other answers' counts `m_1..m_d`,
/// and `A` abstentions (no answer: drawn and paid for, but no vote). Drawing a uniformly random `b`-subset makes the
/// vote counts multivariate hypergeometric. Gold wins with its count `j ≥ 1` when every other answer has at most `j`
/// votes; tied with `t` others at `j` it earns `1/(t+1)`:
///
///     E = Σ_j C(G, j) · Σ_t W_j(t) / (t+1) / C(n, b),
///     W_j(t) = Σ_{k: Σk = b−j, k_i ≤ j, #{k_i = j} = t} Π_i C(m_i, k_i) · C(A, k_0)
///
/// computed by a DP over the other answers (state: votes used, ties at `j`), O(d · b² · b/j) per `j`. Exact up to
/// floating-point rounding; no sampling.
public enum MajorityVote {
    /// - Parameters: gold: samples with the gold answer; others: counts of each other answer; abstentions: samples
    ///   without an answer; votes: b, with 1 ≤ b ≤ n.
    /// - Returns: nil when b is out of range or the binomials overflow a Double.
    public static func expectedAccuracy(gold: Int, others: [Int], abstentions: Int, votes b: Int) -> Double? {
        let others = others.filter { $0 > 0 }
        guard gold >= 0, abstentions >= 0, others.allSatisfy({ $0 >= 0 }) else { return nil }
        var n = gold
        for m in others + [abstentions] {
            let (sum, overflow) = n.addingReportingOverflow(m)
            if overflow { return nil }
            n = sum
        }
        guard b >= 1, b <= n else { return nil }
        guard gold > 0 else { return 0 }
        let total = binomial(n, b)
        guard total.isFinite, total > 0 else { return nil }
        var expected = 0.0
        for j in 1...min(b, gold) {
            let rest = b - j
            let maxTies = rest / j
            // dp[s][t]: weighted ways for the other answers to take s votes with t of them at exactly j.
            var dp = Array(repeating: Array(repeating: 0.0, count: maxTies + 1), count: rest + 1)
            dp[0][0] = 1
            for m in others {
                var next = Array(repeating: Array(repeating: 0.0, count: maxTies + 1), count: rest + 1)
                for s in 0...rest {
                    for t in 0...maxTies where dp[s][t] != 0 {
                        for k in 0...min(m, j, rest - s) {
                            let tt = t + (k == j ? 1 : 0)
                            if tt > maxTies { continue }
                            next[s + k][tt] += dp[s][t] * binomial(m, k)
                        }
                    }
                }
                dp = next
            }
            var weighted = 0.0
            for s in 0...rest where rest - s <= abstentions {
                let free = binomial(abstentions, rest - s)
                for t in 0...maxTies where dp[s][t] != 0 { weighted += dp[s][t] * free / Double(t + 1) }
            }
            expected += binomial(gold, j) * weighted
        }
        let e = expected / total
        return e.isFinite ? min(1, max(0, e)) : nil
    }

    /// C(n, k) as a Double by the multiplicative formula (exact for small values, ~1e-15 relative otherwise).
    package static func binomial(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return 0 }
        let k = min(k, n - k)
        var c = 1.0
        if k > 0 { for i in 1...k { c = c * Double(n - k + i) / Double(i) } }
        return c
    }
}
