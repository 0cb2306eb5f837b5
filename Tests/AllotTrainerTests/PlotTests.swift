import AllotTrainer
import Testing

@Test func plotIsOneSVGWithASeriesPerLineAndEscapedText() {
    let plot = PlotSVG(
        title: "a <b> & \"c\"", xLabel: "cost", yLabel: "accuracy (%)",
        series: [
            PlotSVG.Series(name: "policy", color: "#1565c0", points: [(1000, 80), (3000, 85), (9000, 90)]),
            PlotSVG.Series(name: "fixed", color: "#000", dashed: true, points: [(1000, 79), (9000, 89)]),
        ],
        marks: [(x: 2000, y: 82, text: "small")])
    let svg = plot.render()
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.hasSuffix("</svg>\n"))
    #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
    #expect(svg.contains("stroke-dasharray"))
    #expect(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"))
    #expect(!svg.contains("nan") && !svg.contains("inf"))
    // Same input, same bytes.
    #expect(plot.render() == svg)
}

@Test func emptyPlotIsStillValidSVG() {
    let svg = PlotSVG(title: "t", xLabel: "x", yLabel: "y", series: []).render()
    #expect(svg.hasPrefix("<svg") && svg.contains("/>"))
}
