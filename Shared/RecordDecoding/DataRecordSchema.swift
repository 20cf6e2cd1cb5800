/// The solar gateway's default Avro schema (`KAFKA_SCHEMA` defaulted to its bundled
/// `kafka.timestamp-data.avsc`), bundled so ingestd needs no file to decode such records: a
/// `DataRecord` of a `timestamp` (double, seconds) and a `data` map of union values.
///
/// Used by the `auto` format (the default when neither `TOPIC_FORMATS` nor `KAFKA_SCHEMA` is
/// set): a value that is not JSON but decodes exactly with this schema becomes that record.
public enum DataRecordSchema {
    /// The schema's JSON text, as the seed shipped it (docs stripped).
    public static let json = """
        {"namespace": "stcs.avro", "name": "DataRecord", "type": "record", "fields": [
          {"name": "timestamp", "type": "double"},
          {"name": "data", "type": {"type": "map", "values": ["string", "bytes", "float", "long", "int", "boolean"]}}
        ]}
        """
}
