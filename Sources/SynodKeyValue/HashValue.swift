/// A hash's fields, with the bytes of fields and values counted as they change (as
/// `ListValue`), so a write to one field of a big hash costs that field, not the hash.
///
/// Invariant: `fieldBytes` is the sum of every field's and value's counts.
public struct HashValue: Hashable, Sendable {
    public private(set) var fields: [[UInt8]: [UInt8]]
    public private(set) var fieldBytes: Int

    public init(_ fields: [[UInt8]: [UInt8]]) {
        self.fields = fields
        fieldBytes = fields.reduce(0) { $0 + $1.key.count + $1.value.count }
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public subscript(field: [UInt8]) -> [UInt8]? { fields[field] }

    /// Sets `field` to `value`; returns the value it replaced.
    @discardableResult
    mutating func updateValue(_ value: [UInt8], forKey field: [UInt8]) -> [UInt8]? {
        let replaced = fields.updateValue(value, forKey: field)
        fieldBytes += value.count - (replaced.map { $0.count } ?? -field.count)
        return replaced
    }

    /// Removes `field`; returns its value.
    @discardableResult
    mutating func removeValue(forKey field: [UInt8]) -> [UInt8]? {
        guard let removed = fields.removeValue(forKey: field) else { return nil }
        fieldBytes -= field.count + removed.count
        return removed
    }
}
