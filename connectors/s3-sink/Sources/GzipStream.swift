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
    func compress(_ input: [UInt8], into output: inout ObjectBytes) { run(input, flush: Z_NO_FLUSH, into: &output) }

    /// Flushes the rest and writes the gzip trailer.
    func finish(into output: inout ObjectBytes) {
        guard !finished else { return }
        finished = true
        run([], flush: Z_FINISH, into: &output)
    }

    /// Deflates straight into the output's free space, growing it while zlib fills what it gets.
    private func run(_ input: [UInt8], flush: Int32, into output: inout ObjectBytes) {
        input.withUnsafeBufferPointer { inputBuffer in
            // zlib's next_in is not const, but deflate only reads through it.
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            repeat {
                output.append(capacity: 64 * 1024) { free in
                    stream.next_out = free.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    stream.avail_out = UInt32(free.count)
                    _ = deflate(&stream, flush)
                    return free.count - Int(stream.avail_out)
                }
            } while stream.avail_out == 0 || (flush == Z_FINISH && stream.avail_in > 0)
            stream.next_in = nil
        }
    }
}
