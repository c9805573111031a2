import SynodFuzzTargets

#if SYNOD_FUZZING
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The target libFuzzer runs, named by `SYNOD_FUZZ_TARGET` (see scripts/fuzz).
let fuzzTarget: FuzzTarget = {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    guard let name = getenv("SYNOD_FUZZ_TARGET").map({ String(cString: $0) }) else {
        fatalError("set SYNOD_FUZZ_TARGET to one of: \(names)")
    }
    guard let target = FuzzTarget(rawValue: name) else { fatalError("unknown fuzz target \(name); one of: \(names)") }
    return target
}()

/// Called by libFuzzer once before any input: fails at once on a missing or unknown target.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argumentCount: UnsafeMutablePointer<CInt>,
    _ arguments: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    _ = fuzzTarget
    return 0
}

/// Called by libFuzzer for every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzTarget.run(count == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
#else
import Foundation

/// Runs fuzz targets without libFuzzer: over files (the corpus and the regression inputs),
/// or over seeded random inputs as a smoke test; and writes the targets' seed inputs.
@main
struct SynodFuzz {
    static let usage = """
        usage: synod-fuzz <target> <file-or-directory>...
               synod-fuzz <target> --random <count> [--seed <seed>] [--write-inputs <directory>]
               synod-fuzz --write-seeds <directory>
        targets: \(FuzzTarget.allCases.map { $0.rawValue }.joined(separator: ", "))

        A directory runs every file in it, recursively. --write-inputs writes each random input
        to <directory>/<number> before running it, so the last one written is the one that trapped.
        --write-seeds writes each target's seed inputs to <directory>/<target>/ (Tests/Fuzz/Corpus).
        """

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            if arguments.first == "--write-seeds", arguments.count == 2 {
                try writeSeeds(to: arguments[1])
                return
            }
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
                throw UsageError()
            }
            let rest = Array(arguments.dropFirst())
            if rest.first == "--random" {
                try runRandom(target, options: rest)
            } else {
                try runFiles(target, paths: rest)
            }
        } catch is UsageError {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            exit(2)
        } catch {
            FileHandle.standardError.write(Data("synod-fuzz: \(error)\n".utf8))
            exit(1)
        }
    }

    struct UsageError: Error {}

    static func runFiles(_ target: FuzzTarget, paths: [String]) throws {
        var count = 0
        for path in paths {
            for file in try files(at: path) {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: file])
                }
                target.run(Array(contents))
                count += 1
            }
        }
        print("\(target): \(count) inputs, no crash")
    }

    /// `path` itself if it is a file, or every file under it, sorted.
    static func files(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        guard isDirectory.boolValue else { return [path] }
        return try FileManager.default.subpathsOfDirectory(atPath: path).sorted()
            .map { (path as NSString).appendingPathComponent($0) }
            .filter {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
    }

    static func runRandom(_ target: FuzzTarget, options: [String]) throws {
        var count: Int?
        var seed: UInt64 = 1
        var inputsDirectory: String?
        var rest = options[...]
        while let option = rest.popFirst() {
            guard let value = rest.popFirst() else { throw UsageError() }
            switch option {
            case "--random": count = Int(value)
            case "--seed": seed = try UInt64(value).orThrow(UsageError())
            case "--write-inputs": inputsDirectory = value
            default: throw UsageError()
            }
        }
        guard let count, count >= 0 else { throw UsageError() }
        if let inputsDirectory {
            try FileManager.default.createDirectory(atPath: inputsDirectory, withIntermediateDirectories: true)
        }
        var mutator = FuzzMutator(target: target, seed: seed)
        for number in 0..<count {
            let input = mutator.next()
            if let inputsDirectory {
                try Data(input).write(to: URL(fileURLWithPath: inputsDirectory).appendingPathComponent(String(number)))
            }
            target.run(input)
        }
        print("\(target): \(count) random inputs from seed \(seed), no crash")
    }

    static func writeSeeds(to directory: String) throws {
        for target in FuzzTarget.allCases {
            let targetDirectory = URL(fileURLWithPath: directory).appendingPathComponent(target.rawValue)
            try FileManager.default.createDirectory(at: targetDirectory, withIntermediateDirectories: true)
            for seed in target.seeds {
                try Data(seed.bytes).write(to: targetDirectory.appendingPathComponent(seed.name))
            }
            print("\(target): \(target.seeds.count) seeds in \(targetDirectory.path)")
        }
    }
}

extension Optional {
    func orThrow(_ error: some Error) throws -> Wrapped {
        guard let self else { throw error }
        return self
    }
}
#endif
