import Foundation
import Synchronization

/// The bytes of one object being built, appended record by record and handed to S3 as `Data`
/// without a copy.
///
/// The memory comes from a `RegionPool` and goes back to it once neither the file nor any `Data`
/// handed out refers to it. The pool keeps the largest region given back (of 1 MiB or more) for
/// the next object of about that size, so steady objects mostly go into pages already mapped,
/// without page faults or copies from growing. Appending while a handed-out `Data` is alive
/// copies first (copy on write), so a body being uploaded never changes.
struct ObjectBytes {
    private var region: Region?
    private(set) var count = 0
    private let pool: RegionPool
    private let expectedSize: Int

    /// Starts empty; the first append asks the pool for at least `expectedSize` bytes.
    init(pool: RegionPool, expectedSize: Int) {
        self.pool = pool
        self.expectedSize = max(expectedSize, 1)
    }

    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        let base = reserve(bytes.count)
        base.advanced(by: count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        count += bytes.count
    }

    /// Lets `body` write up to `capacity` bytes at the end; `body` returns how many it wrote.
    mutating func append(capacity: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) {
        let base = reserve(capacity)
        let written = body(UnsafeMutableRawBufferPointer(start: base.advanced(by: count), count: capacity))
        precondition(written <= capacity, "wrote more than the capacity given")
        count += written
    }

    /// The bytes, sharing this memory (it stays allocated for as long as the `Data` lives).
    var data: Data {
        guard let region, count > 0 else { return Data() }
        return Data(bytesNoCopy: region.base, count: count, deallocator: .custom { _, _ in withExtendedLifetime(region) {} })
    }

    /// Empties the bytes; the memory goes back to the pool once no `Data` refers to it.
    mutating func removeAll() {
        region = nil
        count = 0
    }

    /// The base of a region of this object's bytes with room for `extra` more, copying first
    /// when the current region is too small or shared with a handed-out `Data`.
    private mutating func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        let needed = count + extra
        if isKnownUniquelyReferenced(&region), let current = region, current.capacity >= needed { return current.base }
        // Shared but large enough: the same size again; too small: double.
        let capacity =
            region.map { $0.capacity >= needed ? $0.capacity : max(needed, $0.capacity * 2) } ?? max(needed, expectedSize)
        let fresh = pool.take(minimumCapacity: capacity)
        if let old = region, count > 0 { fresh.base.copyMemory(from: old.base, byteCount: count) }
        region = fresh
        return fresh.base
    }
}

/// Memory for `ObjectBytes`: regions that are given back are kept for reuse (the largest
/// `maxIdle` of them, each of at least `minimumPooledSize`), so steady-size objects cycle through
/// the same few regions. A region is handed out only for a request at least a quarter of its size, so a
/// small object never pins a large region.
final class RegionPool: Sendable {
    static let minimumPooledSize = 1 << 20
    let maxIdle: Int
    private let idle = Mutex<[IdleRegion]>([])

    /// Memory nobody refers to (only the pool, under its lock, touches it).
    private struct IdleRegion: @unchecked Sendable {
        var base: UnsafeMutableRawPointer
        var capacity: Int
    }

    init(maxIdle: Int) { self.maxIdle = maxIdle }

    deinit {
        idle.withLock { regions in for region in regions { free(region.base) } }
    }

    /// Bytes held by idle regions.
    var idleBytes: Int { idle.withLock { $0.reduce(0) { $0 + $1.capacity } } }

    func take(minimumCapacity: Int) -> Region {
        let reused = idle.withLock { regions -> IdleRegion? in
            // The smallest that fits and is at most four times the request.
            var best: Int? = nil
            for index in regions.indices {
                let capacity = regions[index].capacity
                guard capacity >= minimumCapacity, capacity / 4 <= minimumCapacity else { continue }
                if best.map({ capacity < regions[$0].capacity }) ?? true { best = index }
            }
            return best.map { regions.remove(at: $0) }
        }
        if let reused { return Region(base: reused.base, capacity: reused.capacity, pool: self) }
        guard let base = malloc(minimumCapacity) else { fatalError("out of memory allocating \(minimumCapacity) bytes") }
        return Region(base: base, capacity: minimumCapacity, pool: self)
    }

    /// Keeps a region given back, unless it is small or the pool is full of regions at least as
    /// large (a larger one replaces the smallest: objects grow to a steady size, and the regions
    /// they outgrew on the way are of no further use).
    fileprivate func give(_ base: UnsafeMutableRawPointer, capacity: Int) {
        guard capacity >= Self.minimumPooledSize else { return free(base) }
        let region = IdleRegion(base: base, capacity: capacity)
        let unwanted = idle.withLock { regions -> IdleRegion? in
            guard regions.count >= maxIdle else {
                regions.append(region)
                return nil
            }
            guard let smallest = regions.indices.min(by: { regions[$0].capacity < regions[$1].capacity }),
                regions[smallest].capacity < capacity
            else { return region }
            defer { regions[smallest] = region }
            return regions[smallest]
        }
        if let unwanted { free(unwanted.base) }
    }
}

/// One allocation of a `RegionPool`; it goes back to the pool when the last reference is gone.
final class Region: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private let pool: RegionPool

    fileprivate init(base: UnsafeMutableRawPointer, capacity: Int, pool: RegionPool) {
        self.base = base
        self.capacity = capacity
        self.pool = pool
    }

    deinit { pool.give(base, capacity: capacity) }
}
