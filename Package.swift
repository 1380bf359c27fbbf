// swift-tools-version:6.0
import PackageDescription

/// Every numbered migration in migrations/, embedded in the binary. Listed by name (not read from
/// the folder) because SwiftPM caches the evaluated manifest; a test checks none is missing.
let migrationFiles = [
    "0001_deliveries.sql",
    "0002_deployments_rollbacks.sql",
    "0003_audit.sql",
    "0004_drop_unused_alert_index.sql",
    "0005_rollback_triggers_by_delivery.sql",
]

let package = Package(
    name: "Ripcord",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ripcord", targets: ["ripcord"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Native libraries: one thin system target each, each used by exactly one Swift module.
        // libmicrohttpd, with GnuTLS (its TLS backend) for client certificate checks.
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev", "libgnutls28-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // Swift wrappers: the only places that see a C pointer.
        .target(name: "MicroHTTPServer", dependencies: ["CMicroHTTPD"]),
        .target(name: "CurlClient", dependencies: ["CCurl"]),
        .target(name: "SQLiteDB", dependencies: ["CSQLite"]),

        // The schema, carried inside the binary.
        .target(name: "RipcordMigrations", path: "migrations",
                exclude: ["README.md"],
                resources: migrationFiles.map { .embedInCode($0) }),

        // The domain: notifications, config, auth, store protocols.
        .target(name: "RipcordCore", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // The SQLite implementation of the store protocols, and migrations.
        .target(name: "RipcordStore", dependencies: ["RipcordCore", "SQLiteDB", "RipcordMigrations"]),
        // Executors: one type per kind, behind the Executor protocol.
        .target(name: "RipcordExecutors", dependencies: [
            "RipcordCore", "CurlClient",
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Routes, handlers, the rollback engine and the service that ties the server together.
        .target(name: "RipcordServer", dependencies: [
            "RipcordCore", "RipcordStore", "RipcordExecutors", "MicroHTTPServer",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "ripcord", dependencies: [
            "RipcordCore", "RipcordStore", "RipcordServer", "RipcordExecutors", "CurlClient", "MicroHTTPServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], exclude: ["link-order.txt"], linkerSettings: [
            // The release binary is linked by lld with packed relative relocations (DT_RELR, glibc
            // 2.36+, Debian 12): gold writes 2 MB of RELA entries for the statically linked Swift
            // runtime that the loader reads at every start, and they stay resident (idle RSS 33 MB
            // instead of 29; docs/proof.md, "Memory"). lld ships with the Swift toolchain.
            .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                         .when(platforms: [.linux], configuration: .release)),
            // The functions that run when Ripcord starts, idles and serves go together at the front of
            // .text, in the order of link-order.txt (written by scripts/link-order from callgrind).
            // The kernel maps code in 64 KB windows around each fault: scattered, the 1.4 MB that
            // runs kept 13 MB of the binary resident (docs/proof.md, "Memory"). SwiftPM does not
            // know the linker reads the file; scripts/link-order removes the linked binaries.
            .unsafeFlags(["-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/ripcord/link-order.txt",
                          "-Xlinker", "--no-warn-symbol-ordering"],
                         .when(platforms: [.linux], configuration: .release)),
        ]),
        .testTarget(name: "RipcordTests", dependencies: [
            "RipcordCore", "RipcordStore", "RipcordServer", "RipcordExecutors", "CurlClient", "SQLiteDB", "MicroHTTPServer",
        ], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
