import Avro

/// Registry schemas loaded so far, and recent fetch failures (kept only for the retry interval,
/// so a failed id is fetched again for a later record).
struct RegistrySchemaCache: Sendable {
    struct Failure: Sendable {
        let reason: String
        let time: ContinuousClock.Instant
    }

    var loaded: [Int32: AvroJSONDecoder] = [:]
    var failures: [Int32: Failure] = [:]
}
