import AllotModel
import AllotPolicy
import ArgumentParser
import Foundation

/// `allot inspect FILE [--json]`: what a model file holds, as a table or one JSON object.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an .allot file's header, actions, feature spec, λ table, heads and sizes.")

    @Argument(help: "The .allot file.") var file: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let bytes = try ModelFileIO.read(file)
        let (h, m) = try ModelReader.decodeWithHeader(bytes)
        if json {
            let data = try JSONSerialization.data(withJSONObject: object(h, m, size: bytes.count),
                                                  options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("file        \(file) (\(bytes.count) bytes)")
        print("format      \(h.major).\(h.minor)")
        print("model       \(h.info.id) v\(h.info.version), created \(date(h.info.createdAt))")
        print("cost unit   \(h.info.costUnit)")
        print("payload     \(h.compressedSize) bytes deflated, \(h.inflatedSize) inflated, header \(h.headerSize)")
        print("sha256      \(hex(h.sha256))")
        print("crc32       \(String(format: "%08x", h.payloadCRC32))")
        print("signature   \(h.signature.map { "Ed25519 by \($0.keyID)" } ?? "none")")
        let read = FeatureExtractor.namesReadByTrees(m)
        print("features    \(m.features.extractor) v\(m.features.version), \(m.features.hashBuckets) hash buckets, "
            + "n-grams up to \(m.features.ngramMax), \(m.bins.featureCount) binned features, "
            + "\(read.count) of them read by the trees")
        print("read        \(read.isEmpty ? "none: every head is a constant" : read.joined(separator: ", "))")
        print("signals     \(m.features.signals.isEmpty ? "none" : m.features.signals.joined(separator: ", "))")
        print("")
        let rows = m.actions.indices.map { a in
            [String(a), m.actions[a].name, String(format: "%g", m.actions[a].meanCost), heads(m.utility[a]),
             m.cost[a].map(heads) ?? "mean", m.actions[a].params]
        }
        table(["#", "action", "mean cost", "utility head", "cost head", "params"], rows)
        print("")
        if m.lambdaTable.isEmpty {
            print("λ table     empty")
        } else {
            table(["budget", "λ*", "mix"], m.lambdaTable.map {
                [String(format: "%g", $0.budget), String(format: "%g", $0.lambda), String(format: "%g", $0.mix)]
            })
        }
        print("")
        print("card        \(m.card)")
    }

    private func heads(_ h: Head) -> String {
        let depths = Set(h.depths).sorted().map(String.init).joined(separator: "/")
        return "\(h.treeCount) trees, depth \(depths.isEmpty ? "-" : depths)"
    }

    private func table(_ head: [String], _ rows: [[String]]) {
        let widths = head.indices.map { c in ([head] + rows).map { $0[c].count }.max() ?? 0 }
        for r in [head] + rows {
            print(r.indices.map { c in
                c == r.count - 1 ? r[c] : r[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  "))
        }
    }

    private func date(_ t: Int64) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    private func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    private func object(_ h: ModelHeader, _ m: AllotModelFile, size: Int) -> [String: Any] {
        let read = FeatureExtractor.namesReadByTrees(m)
        func head(_ x: Head) -> [String: Any] {
            ["trees": x.treeCount, "depths": Set(x.depths).sorted().map(Int.init), "base": Double(x.base),
             "scale": Double(x.scale), "leaves": x.leaves.count]
        }
        var actions: [[String: Any]] = []
        for a in m.actions.indices {
            let params = (try? JSONSerialization.jsonObject(with: Data(m.actions[a].params.utf8))) ?? [:]
            actions.append([
                "name": m.actions[a].name, "params": params, "mean_cost": m.actions[a].meanCost,
                "utility_head": head(m.utility[a]), "cost_head": m.cost[a].map(head) ?? NSNull(),
            ])
        }
        return [
            "file_bytes": size,
            "format": ["major": Int(h.major), "minor": Int(h.minor)],
            "id": h.info.id, "version": h.info.version, "created_at": h.info.createdAt, "cost_unit": h.info.costUnit,
            "header_bytes": h.headerSize, "compressed_bytes": h.compressedSize, "inflated_bytes": h.inflatedSize,
            "sha256": hex(h.sha256), "crc32": Int(h.payloadCRC32),
            "signature": h.signature.map { ["algorithm": "Ed25519", "public_key": $0.keyID] as [String: Any] }
                ?? NSNull(),
            "features": [
                "extractor": m.features.extractor, "version": Int(m.features.version),
                "hash_buckets": Int(m.features.hashBuckets), "ngram_max": Int(m.features.ngramMax),
                "signals": m.features.signals, "binned_features": m.bins.featureCount,
                "edges": m.bins.edges.reduce(0) { $0 + $1.count },
                "read_by_trees": read.count, "read_by_trees_names": read,
            ],
            "actions": actions,
            "lambda_table": m.lambdaTable.map { ["budget": $0.budget, "lambda": $0.lambda, "mix": $0.mix] },
            "card": (try? JSONSerialization.jsonObject(with: Data(m.card.utf8))) ?? [:],
        ]
    }
}
