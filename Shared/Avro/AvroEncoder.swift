import CAvro

/// Encodes `AvroValue`s to Avro binary for one schema, through avro-c's generic values.
///
/// Meant for tests, the demo producer and benchmarks. It reuses one avro-c value between calls,
/// so it is not thread-safe: use one encoder per thread.
public final class AvroEncoder {
    /// The writer schema.
    public let schema: AvroSchema
    private let valueClass: UnsafeMutablePointer<avro_value_iface_t>
    private var value = avro_value_t()

    /// Prepares an encoder for `schema`.
    public init(schema: AvroSchema) throws(AvroEncodingError) {
        guard let valueClass = avro_generic_class_from_schema(schema.handle) else {
            throw .avro(path: "$", message: AvroSchema.lastAvroError(default: "cannot create a value class"))
        }
        guard avro_generic_value_new(valueClass, &value) == 0 else {
            cavro_value_iface_decref(valueClass)
            throw .avro(path: "$", message: AvroSchema.lastAvroError(default: "cannot create a value"))
        }
        self.schema = schema
        self.valueClass = valueClass
    }

    deinit {
        avro_value_decref(&value)
        cavro_value_iface_decref(valueClass)
    }

    /// Encodes `avroValue` as one Avro binary datum.
    public func encode(_ avroValue: AvroValue) throws(AvroEncodingError) -> [UInt8] {
        guard cavro_value_reset(&value) == 0 else {
            throw .avro(path: "$", message: AvroSchema.lastAvroError(default: "cannot reset the value"))
        }
        try Self.set(&value, to: avroValue, path: "$")
        var size = 0
        guard avro_value_sizeof(&value, &size) == 0 else {
            throw .avro(path: "$", message: AvroSchema.lastAvroError(default: "cannot size the value"))
        }
        var output = [UInt8](repeating: 0, count: size)
        let status = output.withUnsafeMutableBytes { buffer -> Int32 in
            guard let base = buffer.baseAddress, let writer = avro_writer_memory(
                base.assumingMemoryBound(to: CChar.self), Int64(size)) else { return size == 0 ? 0 : -1 }
            defer { avro_writer_free(writer) }
            return avro_value_write(writer, &value)
        }
        guard status == 0 else {
            throw .avro(path: "$", message: AvroSchema.lastAvroError(default: "cannot write the value"))
        }
        return output
    }

    private static func typeName(_ type: avro_type_t) -> String {
        switch type {
        case AVRO_STRING: return "string"
        case AVRO_BYTES: return "bytes"
        case AVRO_INT32: return "int"
        case AVRO_INT64: return "long"
        case AVRO_FLOAT: return "float"
        case AVRO_DOUBLE: return "double"
        case AVRO_BOOLEAN: return "boolean"
        case AVRO_NULL: return "null"
        case AVRO_RECORD: return "record"
        case AVRO_ENUM: return "enum"
        case AVRO_FIXED: return "fixed"
        case AVRO_MAP: return "map"
        case AVRO_ARRAY: return "array"
        case AVRO_UNION: return "union"
        default: return "unknown"
        }
    }

    private static func check(_ status: Int32, _ path: String) throws(AvroEncodingError) {
        if status != 0 {
            throw .avro(path: path, message: AvroSchema.lastAvroError(default: "avro-c error \(status)"))
        }
    }

    private static func set(_ dest: inout avro_value_t, to avroValue: AvroValue,
                            path: String) throws(AvroEncodingError) {
        let type = cavro_value_get_type(&dest)
        func mismatch() -> AvroEncodingError {
            .typeMismatch(path: path, expected: typeName(type), found: avroValue.kindName)
        }
        switch (type, avroValue) {
        case (AVRO_NULL, .null):
            try check(cavro_value_set_null(&dest), path)
        case (AVRO_BOOLEAN, .boolean(let flag)):
            try check(cavro_value_set_boolean(&dest, flag ? 1 : 0), path)
        case (AVRO_INT32, .int(let int)):
            try check(cavro_value_set_int(&dest, int), path)
        case (AVRO_INT64, .long(let long)):
            try check(cavro_value_set_long(&dest, long), path)
        case (AVRO_INT64, .int(let int)):
            try check(cavro_value_set_long(&dest, Int64(int)), path)
        case (AVRO_FLOAT, .float(let float)):
            try check(cavro_value_set_float(&dest, float), path)
        case (AVRO_DOUBLE, .double(let double)):
            try check(cavro_value_set_double(&dest, double), path)
        case (AVRO_DOUBLE, .float(let float)):
            try check(cavro_value_set_double(&dest, Double(float)), path)
        case (AVRO_STRING, .string(let string)):
            let status = string.utf8CString.withUnsafeBufferPointer { text in
                cavro_value_set_string_len(&dest, text.baseAddress, text.count)
            }
            try check(status, path)
        case (AVRO_BYTES, .bytes(let bytes)):
            var bytes = bytes
            let status = bytes.withUnsafeMutableBytes { buffer in
                cavro_value_set_bytes(&dest, buffer.baseAddress, buffer.count)
            }
            try check(status, path)
        case (AVRO_FIXED, .bytes(let bytes)):
            let size = Int(avro_schema_fixed_size(cavro_value_get_schema(&dest)))
            guard bytes.count == size else {
                throw .fixedSizeMismatch(path: path, expected: size, found: bytes.count)
            }
            var bytes = bytes
            let status = bytes.withUnsafeMutableBytes { buffer in
                cavro_value_set_fixed(&dest, buffer.baseAddress, buffer.count)
            }
            try check(status, path)
        case (AVRO_ENUM, .enumSymbol(let symbol)):
            let index = avro_schema_enum_get_by_name(cavro_value_get_schema(&dest), symbol)
            guard index >= 0 else { throw .unknownEnumSymbol(path: path, symbol: symbol) }
            try check(cavro_value_set_enum(&dest, index), path)
        case (AVRO_ARRAY, .array(let items)):
            for (index, item) in items.enumerated() {
                var child = avro_value_t()
                try check(cavro_value_append(&dest, &child, nil), path)
                try set(&child, to: item, path: "\(path)[\(index)]")
            }
        case (AVRO_MAP, .map(let entries)):
            for (key, entry) in entries {
                var child = avro_value_t()
                try check(cavro_value_add(&dest, key, &child, nil, nil), path)
                try set(&child, to: entry, path: "\(path)[\"\(key)\"]")
            }
        case (AVRO_RECORD, .record(let fields)):
            let schema = cavro_value_get_schema(&dest)
            let count = avro_schema_record_size(schema)
            var given = [String: AvroValue](minimumCapacity: fields.count)
            for (name, field) in fields { given[name] = field }
            for index in 0..<count {
                guard let cName = avro_schema_record_field_name(schema, Int32(index)) else { continue }
                let name = String(cString: cName)
                guard let field = given.removeValue(forKey: name) else {
                    throw .missingField(path: path, name: name)
                }
                var child = avro_value_t()
                try check(cavro_value_get_by_index(&dest, index, &child, nil), path)
                try set(&child, to: field, path: "\(path).\(name)")
            }
            if let extra = fields.first(where: { given[$0.name] != nil }) {
                throw .unknownField(path: path, name: extra.name)
            }
        case (AVRO_UNION, .union(let branch, let branchValue)):
            let branches = avro_schema_union_size(cavro_value_get_schema(&dest))
            guard branch >= 0, branch < branches else {
                throw .unionBranchOutOfRange(path: path, branch: branch, branches: branches)
            }
            var child = avro_value_t()
            try check(cavro_value_set_branch(&dest, Int32(branch), &child), path)
            try set(&child, to: branchValue, path: path)
        default:
            throw mismatch()
        }
    }
}
