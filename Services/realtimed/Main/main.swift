print("realtimed: not implemented yet")
