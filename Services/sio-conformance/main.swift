print("sio-conformance: not yet implemented")
