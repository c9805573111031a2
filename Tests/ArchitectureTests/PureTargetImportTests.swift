import Foundation
import Testing

/// The pure core must stay pure: its targets import only each other, the standard library
/// and pure math or collection modules; never Foundation, NIO, Logging, Dispatch or libc.
struct PureTargetImportTests {
    /// Targets that must be deterministic and free of I/O. New pure targets are added here.
    static let pureTargets = [
        "SynodCore", "SynodPartitioning", "SynodBalancing", "SynodConsensus", "SynodRaft",
        "SynodStorage", "SynodSimulation", "SynodRESP", "SynodKeyValue", "SynodCommands",
        "SynodPeerProtocol", "SynodFuzzTargets", "SynodRuntime",
    ]

    /// Modules a pure target may import: besides the pure libraries, `CSynodCRC32C`, one pure
    /// C function (CRC-32C with the CPU's crc32 instruction; no I/O, no state).
    static let allowedModules: Set<String> =
        Set(pureTargets).union([
            "RealModule", "Collections", "DequeModule", "OrderedCollections", "HeapModule", "HashTreeCollections",
            "CSynodCRC32C",
        ])

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    @Test(arguments: pureTargets)
    func pureTargetImportsOnlyAllowedModules(target: String) throws {
        let directory = Self.packageRoot.appendingPathComponent("Sources/\(target)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter {
            $0.hasSuffix(".swift")
        }
        #expect(!files.isEmpty, "no sources found for \(target) at \(directory.path)")
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for module in importedModules(in: text) where !Self.allowedModules.contains(module) {
                Issue.record("\(target)/\(file) imports \(module), which a pure target must not")
            }
        }
    }

    @Test func importScannerSeesEveryImportForm() {
        let text = """
            import SynodCore
            @testable import Foundation
            @_exported import NIOPosix
            import struct Logging.Logger
              import Dispatch // indented
            #if canImport(Glibc)
            import Glibc
            #endif
            let importantValue = 1  // not an import
            """
        #expect(importedModules(in: text) == ["SynodCore", "Foundation", "NIOPosix", "Logging", "Dispatch", "Glibc"])
    }
}

/// The modules named by `import` declarations in Swift source text.
func importedModules(in text: String) -> [String] {
    var modules: [String] = []
    for rawLine in text.split(separator: "\n") {
        var words = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        while let first = words.first, first.hasPrefix("@") { words.removeFirst() }
        guard words.first == "import", words.count >= 2 else { continue }
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
        let path = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
        modules.append(String(path.split(separator: ".")[0]))
    }
    return modules
}
