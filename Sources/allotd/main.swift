import AllotServer
print("allotd: not yet")
