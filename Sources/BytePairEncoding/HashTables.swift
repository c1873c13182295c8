// Two small open-addressing hash tables for the hot paths, where Swift's Dictionary (SipHash,
// an allocation per Array key) would cost more than the BPE work itself:
// - PairMap: a pair of token ids (packed in a UInt64) → a dense entry index;
// - ByteStringTable: a byte string → a dense entry index, its bytes kept in one arena.
// Both only grow; entries are numbered 0, 1, 2… in insertion order.

import Foundation

/// (left, right) token pair → entry index.
struct PairMap {
    private var slots: [Int32]   // entry index, or −1 for empty
    private(set) var keys: [UInt64] = []   // by entry
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { keys.count }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private static func hash(_ key: UInt64) -> Int {
        // Fibonacci hashing: multiply, keep the high bits.
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }

    func find(_ key: UInt64) -> Int? {
        var slot = Self.hash(key) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { return nil }
            if keys[Int(entry)] == key { return Int(entry) }
            slot = (slot + 1) & mask
        }
    }

    /// The entry for `key`, inserted if new.
    mutating func findOrInsert(_ key: UInt64) -> (entry: Int, inserted: Bool) {
        var slot = Self.hash(key) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if keys[Int(entry)] == key { return (Int(entry), false) }
            slot = (slot + 1) & mask
        }
        let entry = keys.count
        keys.append(key)
        slots[slot] = Int32(entry)
        if keys.count * 2 > slots.count { grow() }
        return (entry, true)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (entry, key) in keys.enumerated() {
            var slot = Self.hash(key) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}

/// Byte string → entry index; the bytes of entry i are `bytes[starts[i] ..< starts[i + 1]]`.
struct ByteStringTable {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private(set) var bytes: [UInt8] = []
    private(set) var starts: [Int] = [0]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { hashes.count }

    /// FNV-1a, 64 bit.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3 }
        return h
    }

    @inline(__always)
    private func matches(_ entry: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let start = starts[entry]
        guard starts[entry + 1] - start == n else { return false }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, p, n) == 0 }
    }

    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { return nil }
            if hashes[Int(entry)] == h && matches(Int(entry), p, n) { return Int(entry) }
            slot = (slot + 1) & mask
        }
    }

    mutating func findOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int) -> (entry: Int, inserted: Bool)
    {
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if hashes[Int(entry)] == h && matches(Int(entry), p, n) { return (Int(entry), false) }
            slot = (slot + 1) & mask
        }
        let entry = hashes.count
        hashes.append(h)
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        starts.append(bytes.count)
        slots[slot] = Int32(entry)
        if hashes.count * 2 > slots.count { grow() }
        return (entry, true)
    }

    func key(_ entry: Int) -> ArraySlice<UInt8> { bytes[starts[entry]..<starts[entry + 1]] }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (entry, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}
