import Avro

/// All demo records, tick by tick: every tick writes one Avro DataRecord per solar-plant topic
/// (``SolarPlantSimulator``) and one step of the Price Wars market (``PriceWarsMarket``, JSON).
public struct DemoStream {
    /// Every topic the stream writes.
    public static let topics = SolarPlantSimulator.topics + PriceWarsMarket.topics

    private var plant: SolarPlantSimulator
    private var market: PriceWarsMarket
    private let encoder: AvroEncoder

    /// A stream encoding sensor readings with `schema` (the DataRecord schema,
    /// `demo/kafka.timestamp-data.avsc`); `dayLength` is a simulated day in wall-clock seconds.
    public init(schema: AvroSchema, dayLength: Double, seed: UInt64) throws(AvroEncodingError) {
        encoder = try AvroEncoder(schema: schema)
        plant = SolarPlantSimulator(cycle: DayCycle(dayLength: dayLength), seed: seed)
        market = PriceWarsMarket(seed: seed &+ 1)
    }

    /// Appends the records of one tick at `time` (seconds since 1970) to `records`.
    public mutating func tick(at time: Double, into records: inout [DemoRecord]) throws(AvroEncodingError) {
        for reading in plant.readings(at: time) {
            records.append(DemoRecord(topic: reading.topic, value: try encoder.encode(reading.dataRecord)))
        }
        market.step(at: time, into: &records)
    }
}
