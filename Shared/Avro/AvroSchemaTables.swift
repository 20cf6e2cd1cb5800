/// The tables of a compiled schema in memory of their own, for the decoder's walk to read
/// through unsafe buffers without borrowing arrays (or counting references) at every node.
/// Immutable once made (hence `@unchecked Sendable`: every thread only reads it); freed in
/// `deinit`.
final class AvroSchemaTables: @unchecked Sendable {
    /// All nodes.
    let nodes: UnsafeBufferPointer<AvroSchemaNode>
    /// Record fields, each record's contiguous.
    let fields: UnsafeBufferPointer<AvroRecordFieldNode>
    /// Union branches (node indices), each union's contiguous.
    let branches: UnsafeBufferPointer<Int>
    /// Enum symbols pre-rendered as JSON strings (with quotes): ranges of ``text``.
    let symbols: UnsafeBufferPointer<Range<Int>>
    /// Field keys and enum symbols as JSON text.
    let text: UnsafeBufferPointer<UInt8>
    /// Per node: the fewest bytes a value of that node can occupy.
    let minimumSizes: UnsafeBufferPointer<Int>

    init(nodes: [AvroSchemaNode], fields: [AvroRecordFieldNode], branches: [Int], symbols: [Range<Int>],
         text: [UInt8], minimumSizes: [Int]) {
        self.nodes = Self.copy(nodes)
        self.fields = Self.copy(fields)
        self.branches = Self.copy(branches)
        self.symbols = Self.copy(symbols)
        self.text = Self.copy(text)
        self.minimumSizes = Self.copy(minimumSizes)
    }

    deinit {
        nodes.deallocate()
        fields.deallocate()
        branches.deallocate()
        symbols.deallocate()
        text.deallocate()
        minimumSizes.deallocate()
    }

    /// The JSON text at `range` of ``text``.
    @inline(__always)
    func text(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: text[range])
    }

    private static func copy<Element>(_ elements: [Element]) -> UnsafeBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(elements.count, 1))
        _ = buffer.initialize(from: elements)
        return UnsafeBufferPointer(rebasing: buffer[..<elements.count])
    }
}
