// Baseline: no crypto. Folds argv bytes into a checksum so nothing is optimized away.
var h: UInt32 = 2166136261
for arg in CommandLine.arguments {
    for b in arg.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
}
print(h)
