import JSON

/// Decodes Avro binary datums straight into JSON text, for one writer schema.
///
/// The JSON is what the replaced Python services sent to their clients:
/// - records become objects with the schema's field order, maps become objects, arrays arrays;
/// - union values are unwrapped (no `{"string": ...}` wrapper), the null branch is `null`;
/// - enums become their symbol string;
/// - `bytes` and `fixed` become a string of their UTF-8 text when valid UTF-8, else a string of
///   their base64 encoding (standard alphabet, padded);
/// - `string` values are escaped; invalid UTF-8 in them is replaced by U+FFFD;
/// - `int`/`long` are integers, `boolean` is `true`/`false`;
/// - `float`/`double` are numbers in their shortest round-trip form (a `float` in the form that
///   round-trips to the same 32-bit value), NaN and infinities become `null`.
///
/// Decoding reads the input in place, through a bounds-checked cursor, and appends to the caller's
/// buffer: nothing is allocated per record beyond that buffer's growth. Truncated, garbage, or
/// over-long input throws `AvroDecodingError`.
///
/// The decoder is immutable after creation, so unlike avro-c's value readers it is safe to use
/// from several threads at once (it is `Sendable`); share one per schema.
public struct AvroJSONDecoder: Sendable {
    /// The deepest nesting of records, arrays, maps and unions accepted (recursive schemas and
    /// garbage input cannot exhaust the stack).
    public static let maximumDepth = 128
    /// The most items one array of zero-size items (e.g. `null`) may hold; such items consume no
    /// input, so without a limit a forged block count could make decoding run for ages.
    public static let maximumZeroSizeItems = 65_536
    /// The default bound on the JSON text one datum may become (16 MiB): nested arrays of
    /// zero-size items (`array<array<null>>`) otherwise expand a 100 KB datum to gigabytes.
    public static let defaultMaximumOutputBytes = 16 << 20

    /// The writer schema.
    public let schema: AvroSchema
    private let compiled: AvroCompiledSchema

    /// Prepares a decoder for datums written with `schema`.
    public init(schema: AvroSchema) {
        self.schema = schema
        self.compiled = AvroCompiledSchema(schema)
    }

    /// Decodes one datum and appends its JSON text to `output`.
    ///
    /// The whole of `datum` must be one value: trailing bytes are an error. JSON text longer than
    /// `maximumOutputBytes` is an error (`outputTooLarge`), found while decoding, so the output
    /// never grows much past the bound.
    /// On error, `output` is left as it was before the call.
    public func appendJSON(decoding datum: UnsafeRawBufferPointer, to output: inout [UInt8],
                           maximumOutputBytes: Int = defaultMaximumOutputBytes) throws(AvroDecodingError) {
        let start = output.count
        var reader = AvroBinaryReader(datum)
        do throws(AvroDecodingError) {
            output.reserveGrowing(min(datum.count * 2 + 16, maximumOutputBytes))
            let (limit, overflow) = start.addingReportingOverflow(max(0, maximumOutputBytes))
            var walker = AvroJSONWalker(tables: compiled.tables, outputLimit: overflow ? Int.max : limit,
                                        maximumOutputBytes: maximumOutputBytes)
            try walker.decode(compiled.root, from: &reader, to: &output, depth: 0)
            if output.count - start > maximumOutputBytes {
                throw AvroDecodingError(.outputTooLarge(limit: maximumOutputBytes), at: reader.offset)
            }
            if reader.remaining > 0 {
                throw AvroDecodingError(.trailingBytes(count: reader.remaining), at: reader.offset)
            }
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    /// Decodes one datum into a new JSON text buffer.
    public func json(decoding datum: [UInt8],
                     maximumOutputBytes: Int = defaultMaximumOutputBytes) throws(AvroDecodingError) -> [UInt8] {
        var output: [UInt8] = []
        let result = datum.withUnsafeBytes { bytes in
            Result { () throws(AvroDecodingError) in
                try appendJSON(decoding: bytes, to: &output, maximumOutputBytes: maximumOutputBytes)
            }
        }
        try result.get()
        return output
    }
}
