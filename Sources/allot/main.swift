import ArgumentParser
print("allot: not yet")
