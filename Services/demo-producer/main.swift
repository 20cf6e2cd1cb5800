print("kafka-demo-producer: not yet implemented")
