extension Dictionary {
    /// Changes the value stored for `key` in place and returns what `body` returns; nil, with
    /// nothing changed, when there is none.
    ///
    /// The same as `dictionary[key]?.field = x`, without its cost: that goes through the
    /// subscript's `_modify` coroutine, whose frame is allocated on the heap (three mallocs per
    /// assignment for a value that is not trivial, measured), on paths that run per request.
    @inlinable
    @discardableResult
    public mutating func modifyValue<Result>(
        forKey key: Key,
        _ body: (inout Value) throws -> Result
    ) rethrows -> Result? {
        guard let index = index(forKey: key) else { return nil }
        return try body(&values[index])
    }
}
