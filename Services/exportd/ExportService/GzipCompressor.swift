import CZlib

/// A gzip stream (zlib deflate with a gzip wrapper). Owns its `z_stream` and frees it in
/// `deinit`. Used by one task at a time.
final class GzipCompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    /// Fails only when zlib cannot allocate its state.
    init?(level: Int32 = 1) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_deflate_init_gzip(stream, level) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input` and returns the compressed bytes produced so far; `finish` ends the
    /// stream (gzip trailer included).
    func compress(_ input: UnsafeRawBufferPointer, finish: Bool) -> [UInt8] {
        var result: [UInt8] = []
        let base = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
        stream.pointee.next_in = base
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            let status: Int32 = output.withUnsafeMutableBufferPointer { buffer in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                return deflate(stream, flush)
            }
            let produced = output.count - Int(stream.pointee.avail_out)
            result.append(contentsOf: output[0..<produced])
            if finish {
                if status == Z_STREAM_END || status < 0 { break }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 {
                break
            } else if status < 0 {
                break
            }
        }
        stream.pointee.next_in = nil
        return result
    }
}
