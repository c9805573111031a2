import Testing

@testable import SynodKeyValue

/// SERVICE.LIST reads the registry's own keys (`serviceKeys`), kept with every write, removal
/// and snapshot, never a walk of every key.
struct ServiceRegistryTests {
    static func instance(_ service: String, _ name: String) -> [UInt8] {
        KeyValueStore.serviceRegistryRoot + bytes("\(service)/\(name)")
    }

    static func register(_ driver: inout StoreDriver, _ key: [UInt8], _ value: String, ttl: Int64? = nil) {
        _ = driver.apply(
            .set(
                key: key,
                value: bytes(value),
                condition: .always,
                expiry: ttl.map { .afterMilliseconds($0) } ?? .none,
                returnPrevious: false
            ),
            at: 0
        )
    }

    static func list(_ store: KeyValueStore, _ service: String, at now: Int64 = 0) -> KeyValueResult {
        store.read(.serviceInstances(service: bytes(service)), at: now)
    }

    static func entry(_ name: String, _ address: String, _ metadata: String) -> KeyValueResult {
        .array([.value(bytes(name)), .value(bytes(address)), .value(bytes(metadata))])
    }

    @Test func listsTheServicesInstancesOnlyAndFollowsRemovalsAndSnapshots() throws {
        var driver = StoreDriver()
        for number in 0..<100 { Self.register(&driver, bytes("plain-\(number)"), "x") }
        Self.register(&driver, Self.instance("web", "b"), "10.0.0.2:80\nzone=b")
        Self.register(&driver, Self.instance("web", "a"), "10.0.0.1:80")
        Self.register(&driver, Self.instance("webx", "c"), "10.0.0.3:80")
        Self.register(&driver, Self.instance("web", "gone"), "10.0.0.9:80", ttl: 10)
        #expect(driver.store.serviceKeys.count == 4)
        #expect(
            Self.list(driver.store, "web", at: 100)
                == .array([Self.entry("a", "10.0.0.1:80", ""), Self.entry("b", "10.0.0.2:80", "zone=b")])
        )
        _ = driver.apply(.delete(keys: [Self.instance("web", "a")]), at: 100)
        #expect(Self.list(driver.store, "web", at: 100) == .array([Self.entry("b", "10.0.0.2:80", "zone=b")]))
        let restored = try KeyValueStore(snapshotBytes: driver.store.snapshotBytes)
        #expect(restored.serviceKeys == driver.store.serviceKeys)
        #expect(Self.list(restored, "webx") == .array([Self.entry("c", "10.0.0.3:80", "")]))
    }
}
