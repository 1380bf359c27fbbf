/// Values a connection's owner keeps beside it between statements (for example the head of a chain
/// it appends to), valid only while nothing else changes the database.
///
/// The owner clears it whenever it cannot be sure the values still describe the database: after a
/// rollback, and when another connection committed (`Database.dataVersion` moved).
public final class ConnectionCache {
    private var values: [ObjectIdentifier: Any] = [:]

    init() {}

    /// The value kept for `key`, or nil.
    public subscript<Value>(_ key: Value.Type) -> Value? {
        get { values[ObjectIdentifier(key)] as? Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }

    /// Forgets every value.
    public func removeAll() {
        values.removeAll(keepingCapacity: true)
    }
}
