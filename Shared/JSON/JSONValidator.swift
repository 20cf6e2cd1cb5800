/// Checks JSON text against ``JSONPolicy`` without building anything.
public enum JSONValidator {
    /// The deepest nesting of arrays and objects accepted (``JSONPolicy/maximumDepth``).
    public static var maximumDepth: Int { JSONPolicy.maximumDepth }

    /// Whether `bytes` are exactly one valid JSON text.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        (try? validate(bytes)) != nil
    }

    /// Checks that `bytes` are exactly one valid JSON text; throws where they are not.
    public static func validate(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        var reader = JSONReader(bytes)
        try reader.skipValue()
        try reader.expectEnd()
    }

    /// Checks that `bytes` are exactly one valid JSON text; throws where they are not.
    public static func validate(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONSyntaxError) in try validate(raw) } }
        try result.get()
    }
}
