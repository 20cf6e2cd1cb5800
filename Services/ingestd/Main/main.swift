print("ingestd: not yet implemented")
