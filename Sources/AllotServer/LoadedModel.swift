import AllotJSON
import AllotModel
import AllotPolicy

/// A model file read, verified and ready to serve. Immutable: a reload builds a new one and swaps the reference,
/// so requests in flight finish on the model they started with.
final class LoadedModel: Sendable {
    static let maxFileBytes = 64 << 20

    let path: String
    let file: AllotModelFile
    let header: ModelHeader
    let policy: Policy
    let sha256: String
    /// The model card's recommended mean-cost budget, when it gives one.
    let recommendedBudget: Double?
    /// Each action's params as validated JSON, parsed once so replies can embed them without re-checking.
    let params: [JSONValue]
    /// Who signed it, when trusted keys are configured.
    let signer: String?
    /// Per action, the constant part of a route reply (`"action":…,"params":…`), rendered once.
    let routeMembers: [[UInt8]]
    /// The signal names as bytes, for the route fast path to match request keys without making `String`s. Nil
    /// when one is not ASCII: `String` equality is canonical equivalence (`"\u{212A}" == "K"`), which comparing
    /// bytes would not reproduce, so such models take the generic path.
    let signalBytes: [[UInt8]]?

    private init(
        path: String, file: AllotModelFile, header: ModelHeader, policy: Policy, signer: String?, params: [JSONValue]
    ) {
        self.path = path
        self.file = file
        self.header = header
        self.policy = policy
        self.sha256 = LoadedModel.hex(header.sha256)
        self.signer = signer
        self.params = params
        routeMembers = file.actions.indices.map { a in
            JSONWriter.members { w in
                w.key("action")
                w.string(file.actions[a].name)
                w.key("params")
                w.value(params[a])
            }
        }
        let names = file.features.signals.map { Array($0.utf8) }
        signalBytes = names.allSatisfy { $0.allSatisfy { $0 < 0x80 } } ? names : nil
        if case .object(let card)? = try? JSONParser.parse(file.card),
            case .number(let b)? = card["recommended_budget"], b.isFinite, b > 0
        {
            recommendedBudget = b
        } else {
            recommendedBudget = nil
        }
    }

    /// Reads and fully verifies `path`: integrity, every section, the signature against `trustedKeys` (when any),
    /// and that the policy can be built (feature spec known, heads line up).
    static func load(path: String, trustedKeys: [[UInt8]]) throws(ServerError) -> LoadedModel {
        let bytes = try Sys.readFile(path, limit: maxFileBytes)
        let header: ModelHeader
        let file: AllotModelFile
        do {
            (header, file) = try ModelReader.decodeWithHeader(bytes)
        } catch {
            throw ServerError(.model, "\(path): \(error)")
        }
        var signer: String?
        if !trustedKeys.isEmpty {
            do {
                let sig = try ModelSigner.verify(bytes, trustedKeys: trustedKeys)
                signer = LoadedModel.hex(sig.publicKey)
            } catch {
                throw ServerError(.model, "\(path): \(error)")
            }
        }
        let policy: Policy
        do {
            policy = try Policy(model: file)
        } catch {
            throw ServerError(.model, "\(path): \(error)")
        }
        // The reader checked each action's params with this parser and depth (`JSONShape`), so this cannot fail;
        // if a reader ever let one through, the file is refused here rather than served as `{}`.
        var params: [JSONValue] = []
        for a in file.actions {
            do {
                params.append(try JSONParser.parse(Array(a.params.utf8), maxDepth: JSONShape.maxDepth))
            } catch {
                throw ServerError(.model, "\(path): params of action \"\(a.name)\": \(error.message)")
            }
        }
        return LoadedModel(path: path, file: file, header: header, policy: policy, signer: signer, params: params)
    }

    /// `policy.predict`, with `self` borrowed (`RouteScratch.modelRef`): inlined into `Engine.decide`, the compiler
    /// retained the model, whose reference count would bounce between the cores serving other connections.
    @inline(never)
    func predict(text: UnsafeBufferPointer<UInt8>?, scratch: inout DecisionScratch) {
        policy.predict(text: text, scratch: &scratch)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads public key files (`allot keygen`'s PREFIX.pub).
    static func loadKeys(_ paths: [String]) throws(ServerError) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        for p in paths {
            let bytes = try Sys.readFile(p, limit: 4096)
            do {
                keys.append(try ModelKeyFile.decodePublic(String(decoding: bytes, as: UTF8.self)))
            } catch {
                throw ServerError(.config, "--trusted-key \(p): \(error)")
            }
        }
        return keys
    }

    /// Where the shipped default model is, for `allotd` with no `--model`: `$ALLOT_MODEL`, then
    /// `Models/default.allot` under the working directory, then beside or above the executable
    /// (`.build/<config>/allotd` in a checkout), then the system share directory.
    static func defaultPath() -> String? {
        if let env = Sys.environment("ALLOT_MODEL"), !env.isEmpty { return env }
        var candidates = ["Models/default.allot"]
        if let exe = Sys.executablePath() {
            var dir = StateStore.directory(of: exe)
            candidates.append(dir + "/default.allot")
            for _ in 0..<4 {
                dir = StateStore.directory(of: dir)
                candidates.append(dir + "/Models/default.allot")
            }
        }
        candidates += ["/usr/local/share/allot/default.allot", "/usr/share/allot/default.allot"]
        return candidates.first(where: Sys.fileExists)
    }
}
