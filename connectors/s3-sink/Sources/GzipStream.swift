import CZlib
import Foundation

/// A streaming gzip compressor (zlib, RFC 1952 framing): feed bytes, take compressed output as it
/// is produced (for multipart parts), finish once.
final class GzipStream {
    private var stream = z_stream()
    private var finished = false

    init(level: Int32 = Z_DEFAULT_COMPRESSION) {
        let status = sluice_deflate_init_gzip(&stream, level)
        precondition(status == Z_OK, "zlib deflateInit2 failed (\(status))")
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `input`, appending whatever output is ready to `output`.
    func compress(_ input: [UInt8], into output: inout Data) { run(input, flush: Z_NO_FLUSH, into: &output) }

    /// Flushes the rest and writes the gzip trailer.
    func finish(into output: inout Data) {
        guard !finished else { return }
        finished = true
        run([], flush: Z_FINISH, into: &output)
    }

    private func run(_ input: [UInt8], flush: Int32, into output: inout Data) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        input.withUnsafeBufferPointer { inputBuffer in
            // zlib's next_in is not const, but deflate only reads through it.
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkBuffer.count)
                    _ = deflate(&stream, flush)
                    return chunkBuffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
            } while stream.avail_out == 0 || (flush == Z_FINISH && stream.avail_in > 0)
            stream.next_in = nil
        }
    }
}
