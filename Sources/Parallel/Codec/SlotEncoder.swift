#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `Encoder` a value's `encode(to:)` receives: it writes into one slot of an ``EncodingState``,
/// through the containers below.
///
/// Two words, so an `any Encoder` holds it inline: the slot's coding path is kept by the state.
struct SlotEncoder: Encoder {
    let state: EncodingState
    let slot: Int

    var codingPath: [any CodingKey] { state.path(ofSlot: slot).path }
    var userInfo: [CodingUserInfoKey: Any] { state.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let path = state.path(ofSlot: slot)
        return KeyedEncodingContainer(KeyedWriter<Key>(state: state, id: state.container(ofSlot: slot, keyed: true), path: path))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = state.path(ofSlot: slot)
        return UnkeyedWriter(state: state, id: state.container(ofSlot: slot, keyed: false), path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleWriter(state: state, slot: slot, path: state.path(ofSlot: slot))
    }
}

/// Writes the entries of one keyed container.
struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: EncodingState
    let id: Int
    let path: CodingPathNode
    var codingPath: [any CodingKey] { path.path }

    mutating func encodeNil(forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendTag(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendBool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendDouble(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendFloat(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendSigned(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try state.beginEntry(id, key: key.stringValue); state.appendUnsigned(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try state.beginEntry(id, key: key.stringValue)
        try state.encodeValue(value, path: path.appending(key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedWriter<NestedKey>(state: state, id: begin(key) ? state.openContainer(keyed: true) : -1, path: path.appending(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedWriter(state: state, id: begin(key) ? state.openContainer(keyed: false) : -1, path: path.appending(key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(key: SuperKey()) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(key: key) }

    private func superEncoder(key: any CodingKey) -> any Encoder {
        SlotEncoder(state: state, slot: begin(key) ? state.openSlot(path: path.appending(key)) : -1)
    }

    /// Starts an entry where the protocol cannot throw; a failure is recorded and thrown at the end.
    private func begin(_ key: any CodingKey) -> Bool {
        do {
            try state.beginEntry(id, key: key.stringValue)
            return true
        } catch {
            state.record("\(error)")
            return false
        }
    }
}

/// Writes the elements of one unkeyed container.
struct UnkeyedWriter: UnkeyedEncodingContainer {
    let state: EncodingState
    let id: Int
    let path: CodingPathNode
    var codingPath: [any CodingKey] { path.path }
    var count: Int { state.elementCount(id) }

    mutating func encodeNil() throws { try state.beginElement(id); state.appendTag(.null) }
    mutating func encode(_ value: Bool) throws { try state.beginElement(id); state.appendBool(value) }
    mutating func encode(_ value: String) throws { try state.beginElement(id); state.appendString(value) }
    mutating func encode(_ value: Double) throws { try state.beginElement(id); state.appendDouble(value) }
    mutating func encode(_ value: Float) throws { try state.beginElement(id); state.appendFloat(value) }
    mutating func encode(_ value: Int) throws { try state.beginElement(id); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { try state.beginElement(id); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try state.beginElement(id); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try state.beginElement(id); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { try state.beginElement(id); state.appendSigned(value) }
    mutating func encode(_ value: UInt) throws { try state.beginElement(id); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try state.beginElement(id); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try state.beginElement(id); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try state.beginElement(id); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try state.beginElement(id); state.appendUnsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try state.beginElement(id)
        try state.encodeValue(value, path: path.appending(index: index))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let index = count
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(state: state, id: begin() ? state.openContainer(keyed: true) : -1, path: path.appending(index: index)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let index = count
        return UnkeyedWriter(state: state, id: begin() ? state.openContainer(keyed: false) : -1, path: path.appending(index: index))
    }

    mutating func superEncoder() -> any Encoder {
        let index = count
        return SlotEncoder(state: state, slot: begin() ? state.openSlot(path: path.appending(index: index)) : -1)
    }

    private func begin() -> Bool {
        do {
            try state.beginElement(id)
            return true
        } catch {
            state.record("\(error)")
            return false
        }
    }
}

/// Writes the one value of a slot.
struct SingleWriter: SingleValueEncodingContainer {
    let state: EncodingState
    let slot: Int
    let path: CodingPathNode
    var codingPath: [any CodingKey] { path.path }

    mutating func encodeNil() throws { try state.beginSingle(slot); state.appendTag(.null) }
    mutating func encode(_ value: Bool) throws { try state.beginSingle(slot); state.appendBool(value) }
    mutating func encode(_ value: String) throws { try state.beginSingle(slot); state.appendString(value) }
    mutating func encode(_ value: Double) throws { try state.beginSingle(slot); state.appendDouble(value) }
    mutating func encode(_ value: Float) throws { try state.beginSingle(slot); state.appendFloat(value) }
    mutating func encode(_ value: Int) throws { try state.beginSingle(slot); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { try state.beginSingle(slot); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try state.beginSingle(slot); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try state.beginSingle(slot); state.appendSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { try state.beginSingle(slot); state.appendSigned(value) }
    mutating func encode(_ value: UInt) throws { try state.beginSingle(slot); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try state.beginSingle(slot); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try state.beginSingle(slot); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try state.beginSingle(slot); state.appendUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try state.beginSingle(slot); state.appendUnsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try state.beginSingle(slot)
        try state.encodeValue(value, path: path)
    }
}
