import JSON
import CAvro

/// A schema compiled from avro-c's tree into `AvroSchemaNode`s, ready for decoding.
struct AvroCompiledSchema: Sendable {
    /// The nodes and what they refer to; `tables.nodes[root]` is the top-level schema.
    let tables: AvroSchemaTables
    let root: Int

    /// Walks avro-c's schema tree. This is the only place the decoder touches avro-c.
    init(_ schema: AvroSchema) {
        var builder = Builder()
        root = builder.node(for: schema.handle)
        tables = AvroSchemaTables(nodes: builder.nodes, fields: builder.fields, branches: builder.branches,
                                  symbols: builder.symbols, text: builder.text,
                                  minimumSizes: Self.minimumEncodedSizes(of: builder.nodes, fields: builder.fields))
    }

    /// The fewest bytes each node's values can occupy, by relaxation from 0. A fixed number of passes
    /// keeps recursive types finite; stopping early only underestimates, which is safe for the
    /// block-count checks that use these sizes.
    private static func minimumEncodedSizes(of nodes: [AvroSchemaNode], fields: [AvroRecordFieldNode]) -> [Int] {
        var sizes = [Int](repeating: 0, count: nodes.count)
        for _ in 0...min(nodes.count, 64) {
            var changed = false
            for index in nodes.indices {
                let size: Int
                switch nodes[index] {
                case .null: size = 0
                case .boolean, .int, .long, .string, .bytes, .enumeration, .array, .map, .union: size = 1
                case .float: size = 4
                case .double: size = 8
                case .fixed(let fixedSize): size = max(fixedSize, 0)
                case .record(let range):
                    size = fields[range].reduce(0) { min($0 + sizes[$1.node], 1 << 30) }
                }
                if size != sizes[index] {
                    sizes[index] = size
                    changed = true
                }
            }
            if !changed { break }
        }
        return sizes
    }

    private struct Builder {
        var nodes: [AvroSchemaNode] = []
        var fields: [AvroRecordFieldNode] = []
        var branches: [Int] = []
        var symbols: [Range<Int>] = []
        var text: [UInt8] = []
        /// Named schemas already compiled, so links (and recursion) resolve to one node.
        var named: [UnsafeMutableRawPointer: Int] = [:]

        mutating func node(for schema: avro_schema_t) -> Int {
            let type = cavro_schema_type(schema)
            if type == AVRO_LINK {
                return node(for: avro_schema_link_target(schema))
            }
            let key = UnsafeMutableRawPointer(schema)
            if let existing = named[key] { return existing }
            switch type {
            case AVRO_NULL: return append(.null)
            case AVRO_BOOLEAN: return append(.boolean)
            case AVRO_INT32: return append(.int)
            case AVRO_INT64: return append(.long)
            case AVRO_FLOAT: return append(.float)
            case AVRO_DOUBLE: return append(.double)
            case AVRO_STRING: return append(.string)
            case AVRO_BYTES: return append(.bytes)
            case AVRO_FIXED:
                return append(.fixed(size: Int(avro_schema_fixed_size(schema))))
            case AVRO_ENUM:
                let count = Int(avro_schema_enum_number_of_symbols(schema))
                let first = symbols.count
                for index in 0..<count {
                    let start = text.count
                    if let symbol = avro_schema_enum_get(schema, Int32(index)) {
                        JSONText.appendString(String(cString: symbol), to: &text)
                    } else {
                        text.append(contentsOf: "null".utf8)
                    }
                    symbols.append(start..<text.count)
                }
                let index = append(.enumeration(symbols: first..<symbols.count))
                named[key] = index
                return index
            case AVRO_ARRAY:
                let index = append(.null)  // placeholder until the items are compiled
                nodes[index] = .array(items: node(for: avro_schema_array_items(schema)))
                return index
            case AVRO_MAP:
                let index = append(.null)
                nodes[index] = .map(values: node(for: avro_schema_map_values(schema)))
                return index
            case AVRO_UNION:
                let index = append(.null)
                let count = avro_schema_union_size(schema)
                // Compiled first (they may add branches of their own), then stored side by side.
                var compiled: [Int] = []
                for branch in 0..<count {
                    compiled.append(node(for: avro_schema_union_branch(schema, Int32(branch))))
                }
                branches.append(contentsOf: compiled)
                nodes[index] = .union(branches: branches.count - compiled.count..<branches.count)
                return index
            case AVRO_RECORD:
                let index = append(.null)
                named[key] = index  // before the fields: a field may refer back to this record
                // Compiled first (they may add fields of their own), then stored side by side.
                var compiled: [AvroRecordFieldNode] = []
                let count = avro_schema_record_size(schema)
                for field in 0..<count {
                    let name = avro_schema_record_field_name(schema, Int32(field)).map { String(cString: $0) } ?? ""
                    let start = text.count
                    JSONText.appendString(name, to: &text)
                    text.append(UInt8(ascii: ":"))
                    let key = start..<text.count
                    let child = node(for: avro_schema_record_field_get_by_index(schema, Int32(field)))
                    compiled.append(AvroRecordFieldNode(jsonKey: key, node: child))
                }
                fields.append(contentsOf: compiled)
                nodes[index] = .record(fields: fields.count - compiled.count..<fields.count)
                return index
            default:
                return append(.null)
            }
        }

        private mutating func append(_ node: AvroSchemaNode) -> Int {
            nodes.append(node)
            return nodes.count - 1
        }
    }
}
