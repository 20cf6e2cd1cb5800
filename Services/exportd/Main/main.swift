print("exportd: not implemented yet")
