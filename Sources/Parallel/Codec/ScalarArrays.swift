/// The arrays that travel as one length plus one copy of their bytes: contiguous arrays of
/// fixed-width scalars, recognised by metatype (``DirectType``).
enum ScalarArrays {
    /// Writes `value` as a scalar array if `direct` is one; `false` otherwise.
    static func encode<Value>(_ value: Value, as direct: DirectType, into state: EncodingState) -> Bool {
        switch direct {
        case .doubles: write(unsafeBitCast(value, to: [Double].self), .double, state)
        case .bytes: write(unsafeBitCast(value, to: [UInt8].self), .uint8, state)
        case .ints: write(unsafeBitCast(value, to: [Int].self), .int, state)
        case .floats: write(unsafeBitCast(value, to: [Float].self), .float, state)
        case .bools: write(unsafeBitCast(value, to: [Bool].self), .bool, state)
        case .int8s: write(unsafeBitCast(value, to: [Int8].self), .int8, state)
        case .int16s: write(unsafeBitCast(value, to: [Int16].self), .int16, state)
        case .int32s: write(unsafeBitCast(value, to: [Int32].self), .int32, state)
        case .int64s: write(unsafeBitCast(value, to: [Int64].self), .int64, state)
        case .uints: write(unsafeBitCast(value, to: [UInt].self), .uint, state)
        case .uint16s: write(unsafeBitCast(value, to: [UInt16].self), .uint16, state)
        case .uint32s: write(unsafeBitCast(value, to: [UInt32].self), .uint32, state)
        case .uint64s: write(unsafeBitCast(value, to: [UInt64].self), .uint64, state)
        case .string, .double, .int, .bool, .float, .date, .url, .data, .strings: false
        }
    }

    private static func write<Element: Sendable>(_ array: [Element], _ kind: BinaryFormat.ScalarKind, _ state: EncodingState) -> Bool {
        array.withUnsafeBytes { state.appendScalars($0, count: array.count, kind: kind, segment: .array(array)) }
        return true
    }

    /// Reads a `Value` at `offset` if `direct` is a scalar array; `nil` otherwise.
    static func decode<Value>(
        _ type: Value.Type, as direct: DirectType, from input: DecodingInput, at offset: Int, path: CodingPathNode
    ) throws -> Value? {
        switch direct {
        case .doubles: unsafeBitCast(try read(Double.self, .double, input, offset, path), to: Value.self)
        case .bytes: unsafeBitCast(try read(UInt8.self, .uint8, input, offset, path), to: Value.self)
        case .ints: unsafeBitCast(try read(Int.self, .int, input, offset, path), to: Value.self)
        case .floats: unsafeBitCast(try read(Float.self, .float, input, offset, path), to: Value.self)
        case .bools: unsafeBitCast(try readBools(input, offset, path), to: Value.self)
        case .int8s: unsafeBitCast(try read(Int8.self, .int8, input, offset, path), to: Value.self)
        case .int16s: unsafeBitCast(try read(Int16.self, .int16, input, offset, path), to: Value.self)
        case .int32s: unsafeBitCast(try read(Int32.self, .int32, input, offset, path), to: Value.self)
        case .int64s: unsafeBitCast(try read(Int64.self, .int64, input, offset, path), to: Value.self)
        case .uints: unsafeBitCast(try read(UInt.self, .uint, input, offset, path), to: Value.self)
        case .uint16s: unsafeBitCast(try read(UInt16.self, .uint16, input, offset, path), to: Value.self)
        case .uint32s: unsafeBitCast(try read(UInt32.self, .uint32, input, offset, path), to: Value.self)
        case .uint64s: unsafeBitCast(try read(UInt64.self, .uint64, input, offset, path), to: Value.self)
        case .string, .double, .int, .bool, .float, .date, .url, .data, .strings: nil
        }
    }

    /// Every element type here is valid for any bit pattern, so copying the bytes is sound.
    private static func read<Element>(
        _ type: Element.Type, _ kind: BinaryFormat.ScalarKind, _ input: DecodingInput, _ offset: Int, _ path: CodingPathNode
    ) throws -> [Element] {
        let range = try input.scalars(at: offset, kind: kind, path: path)
        let count = range.count / kind.width
        return try input.bytes.withUnsafeBytes { raw in
            guard let source = raw.baseAddress else { throw input.corrupted("no bytes", path) }
            return LargeBuffer.array(of: Element.self, count: count) { buffer in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(start: source + range.lowerBound, count: range.count)
                )
            }
        }
    }

    /// A `Bool` is valid only as 0 or 1, so each byte is checked before it becomes one.
    private static func readBools(_ input: DecodingInput, _ offset: Int, _ path: CodingPathNode) throws -> [Bool] {
        let range = try input.scalars(at: offset, kind: .bool, path: path)
        var bools: [Bool] = []
        bools.reserveCapacity(range.count)
        for index in range {
            switch input.bytes[index] {
            case 0: bools.append(false)
            case 1: bools.append(true)
            case let other: throw input.corrupted("a boolean byte \(other) (not 0 or 1)", path)
            }
        }
        return bools
    }
}
