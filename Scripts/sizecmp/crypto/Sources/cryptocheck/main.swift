// swift-crypto: SHA-256 + Ed25519 signature verification on argv-derived bytes. No Foundation import here.
import Crypto

let msg = Array(CommandLine.arguments.joined(separator: " ").utf8)
let digest = Array(SHA256.hash(data: msg))

// Public key / signature derived from the digest: verification is expected to fail; the call is what matters.
let sig = digest + digest  // 64 bytes
var ok = false
if let pk = try? Curve25519.Signing.PublicKey(rawRepresentation: digest) {
    ok = pk.isValidSignature(sig, for: msg)
}
print(digest.reduce(0) { $0 &* 31 &+ UInt32($1) }, ok)
