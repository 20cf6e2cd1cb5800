import CAvro
import Foundation

/// A parsed Avro schema, owning avro-c's `avro_schema_t`.
///
/// Schemas are immutable once parsed, so one instance may be shared between threads.
public final class AvroSchema: @unchecked Sendable {
    /// The avro-c handle; released in `deinit`.
    let handle: avro_schema_t

    /// The schema's JSON text as given.
    public let jsonText: String

    /// Parses a schema from its JSON text.
    ///
    /// - Throws: `AvroSchemaError.invalidSchema` with avro-c's message when the text is not a valid schema.
    public init(json: String) throws(AvroSchemaError) {
        var schema: avro_schema_t? = nil
        let status = json.utf8CString.withUnsafeBufferPointer { text in
            // The length excludes the NUL terminator, as avro-c requires.
            avro_schema_from_json_length(text.baseAddress, text.count - 1, &schema)
        }
        guard status == 0, let schema else {
            throw .invalidSchema(reason: Self.lastAvroError(default: "avro-c could not parse the schema"))
        }
        self.handle = schema
        self.jsonText = json
    }

    /// Reads and parses a schema file (`.avsc`).
    ///
    /// - Throws: `AvroSchemaError.unreadableFile` when the file cannot be read,
    ///   `AvroSchemaError.invalidSchema` when its content is not a valid schema.
    public convenience init(contentsOfFile path: String) throws(AvroSchemaError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw .unreadableFile(path: path, reason: "is a directory")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: Self.describe(error))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: path, reason: "not UTF-8 text")
        }
        do {
            try self.init(json: text)
        } catch {
            if case .invalidSchema(let reason) = error {
                throw .invalidSchema(reason: "\(path): \(reason)")
            }
            throw error
        }
    }

    deinit {
        avro_schema_decref(handle)
    }

    /// The full name of a named schema (record, enum, fixed), nil for other types.
    public var name: String? {
        guard let name = avro_schema_name(handle) else { return nil }
        return String(cString: name)
    }

    static func lastAvroError(default fallback: String) -> String {
        guard let message = avro_strerror() else { return fallback }
        let text = String(cString: message)
        return text.isEmpty ? fallback : text
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }
}
