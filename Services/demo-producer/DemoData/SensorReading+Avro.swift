import Avro

extension SensorReading {
    /// The reading as a DataRecord value (`demo/kafka.timestamp-data.avsc`).
    public var dataRecord: AvroValue {
        .record([
            ("timestamp", .double(timestamp)),
            ("data", .map(values.map { entry in
                let value: AvroValue
                switch entry.value {
                case .string(let text): value = .string(text)
                case .float(let number): value = .float(number)
                case .long(let number): value = .long(number)
                case .int(let number): value = .int(number)
                case .boolean(let flag): value = .boolean(flag)
                }
                return (key: entry.name, value: .union(branch: entry.value.unionBranch, value))
            })),
        ])
    }
}
