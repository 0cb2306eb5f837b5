// libsodium: SHA-256 + Ed25519 detached-signature verification on argv-derived bytes.
import CSodium

guard sodium_init() >= 0 else { fatalError("sodium_init failed") }
let msg = Array(CommandLine.arguments.joined(separator: " ").utf8)

var digest = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
_ = crypto_hash_sha256(&digest, msg, UInt64(msg.count))

// Public key / signature derived from the digest: verification is expected to fail; the call is what matters.
let pk = digest  // 32 bytes
let sig = digest + digest  // 64 bytes
let rc = crypto_sign_verify_detached(sig, msg, UInt64(msg.count), pk)
print(digest.reduce(0) { $0 &* 31 &+ UInt32($1) }, rc == 0)
