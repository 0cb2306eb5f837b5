import Foundation

/// A hand-written SVG line chart (no dependencies): accuracy against mean cost, log-scaled cost axis.
package struct PlotSVG: Sendable {
    package struct Series: Sendable {
        package var name: String
        package var color: String
        package var dashed = false
        package var width = 2.0
        package var points: [(x: Double, y: Double)]

        package init(name: String, color: String, dashed: Bool = false, width: Double = 2,
                     points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.dashed = dashed
            self.width = width
            self.points = points
        }
    }

    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var series: [Series]
    /// Labelled single points (the actions themselves).
    package var marks: [(x: Double, y: Double, text: String)] = []
    package var width = 760.0
    package var height = 480.0

    package init(title: String, xLabel: String, yLabel: String, series: [Series],
                 marks: [(x: Double, y: Double, text: String)] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.marks = marks
    }

    private static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private func f(_ x: Double) -> String { String(format: "%.1f", x) }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\"/>\n"
    }

    /// Tick values for a log axis: 1, 2, 5 × powers of ten inside `[lo, hi]`.
    static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [lo] }
        var ticks: [Double] = []
        var p = Foundation.pow(10, (Foundation.log10(lo)).rounded(.down))
        while p <= hi {
            for m in [1.0, 2, 5] where p * m >= lo && p * m <= hi { ticks.append(p * m) }
            p *= 10
        }
        return ticks
    }

    static func tickLabel(_ x: Double) -> String {
        if x >= 1000 { return String(format: x >= 10000 ? "%.0fk" : "%gk", x / 1000) }
        return String(format: "%g", x)
    }

    package func render() -> String {
        let all = series.flatMap(\.points) + marks.map { ($0.x, $0.y) }
        let xs = all.map(\.0).filter { $0 > 0 }
        let ys = all.map(\.1)
        guard let xMin = xs.min(), let xMax = xs.max(), let yMinRaw = ys.min(), let yMaxRaw = ys.max() else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n"
        }
        let (lx0, lx1) = (Foundation.log10(xMin / 1.15), Foundation.log10(xMax * 1.15))
        let yMin = ((yMinRaw - 1) / 5).rounded(.down) * 5
        let yMax = Swift.min(100, ((yMaxRaw + 1) / 5).rounded(.up) * 5)
        let (left, right, top, bottom) = (70.0, width - 190, 40.0, height - 55)
        let px = { (x: Double) in left + (Foundation.log10(x) - lx0) / Swift.max(lx1 - lx0, 1e-9) * (right - left) }
        let py = { (y: Double) in bottom - (y - yMin) / Swift.max(yMax - yMin, 1e-9) * (bottom - top) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" "
            + "font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(left))\" y=\"24\" font-size=\"15\" font-weight=\"bold\">\(Self.esc(title))</text>\n"
        // Grid and ticks.
        var y = yMin
        while y <= yMax + 1e-9 {
            s += line(left, py(y), right, py(y), "#e5e5e5")
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(Int(y))</text>\n"
            y += yMax - yMin > 30 ? 10 : 5
        }
        for t in Self.logTicks(xMin / 1.15, xMax * 1.15) {
            s += line(px(t), top, px(t), bottom, "#eeeeee")
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(Self.tickLabel(t))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" "
            + "fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">"
            + "\(Self.esc(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">"
            + "\(Self.esc(yLabel))</text>\n"
        // Series, the first drawn last so it stays on top where lines coincide; legend in the given order.
        for (i, sr) in series.enumerated().reversed() {
            let pts = sr.points.filter { $0.x > 0 }.sorted { $0.x < $1.x }
            let path = pts.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            let dash = sr.dashed ? " stroke-dasharray=\"6 4\"" : ""
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(sr.color)\" "
                + "stroke-width=\"\(sr.width)\"\(dash)/>\n"
            for p in pts {
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(sr.color)\"/>\n"
            }
            let ly = top + 10 + Double(i) * 20
            s += "<line x1=\"\(f(right + 15))\" y1=\"\(f(ly))\" x2=\"\(f(right + 45))\" y2=\"\(f(ly))\" "
                + "stroke=\"\(sr.color)\" stroke-width=\"\(sr.width)\"\(dash)/>\n"
            s += "<text x=\"\(f(right + 52))\" y=\"\(f(ly + 4))\">\(Self.esc(sr.name))</text>\n"
        }
        for m in marks where m.x > 0 {
            s += "<rect x=\"\(f(px(m.x) - 3.5))\" y=\"\(f(py(m.y) - 3.5))\" width=\"7\" height=\"7\" fill=\"#444\"/>\n"
            let nearRight = px(m.x) > right - 90
            s += "<text x=\"\(f(px(m.x) + (nearRight ? 4 : 6)))\" y=\"\(f(py(m.y) + (nearRight ? -8 : 14)))\" "
                + "font-size=\"10\" "
                + "fill=\"#444\"\(nearRight ? " text-anchor=\"end\"" : "")>"
                + "\(Self.esc(m.text))</text>\n"
        }
        return s + "</svg>\n"
    }
}
