import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A descriptor set indexed for the questions server reflection answers: files by name, the file that
/// defines a symbol or an extension, and the extension numbers of each message type.
struct DescriptorIndex: Sendable {
    /// One file: serialized once up front, with the names of the files it imports.
    struct File: Sendable {
        var serialized: Data
        var dependencies: [String]
    }

    /// A message type and one of its extension numbers.
    struct ExtensionKey: Hashable, Sendable {
        var extendee: String
        var number: Int32
    }

    private(set) var files: [String: File] = [:]
    /// Every service defined in the set, sorted.
    private(set) var serviceNames: [String] = []
    /// Fully qualified symbol (no leading dot) to the name of the file defining it.
    var fileBySymbol: [String: String] = [:]
    var fileByExtension: [ExtensionKey: String] = [:]
    /// Message type to its known extension numbers; every message in the set has an entry.
    var extensionNumbers: [String: [Int32]] = [:]

    init(fileDescriptorSet: Google_Protobuf_FileDescriptorSet) throws {
        for file in fileDescriptorSet.file {
            guard self.files[file.name] == nil else {
                throw ReflectionError(code: .duplicateFile, message: "'\(file.name)' appears twice in the set.")
            }
            self.files[file.name] = File(serialized: try file.serializedBytes(), dependencies: file.dependency)
            self.indexSymbols(of: file)
        }
        for (name, file) in self.files {
            for dependency in file.dependencies where self.files[dependency] == nil {
                throw ReflectionError(
                    code: .missingDependency,
                    message: "'\(name)' imports '\(dependency)', which the set does not contain."
                )
            }
        }
        self.serviceNames = fileDescriptorSet.file.flatMap { file in
            file.service.map { Self.qualified($0.name, in: file.package) }
        }.sorted()
        for key in self.extensionNumbers.keys {
            self.extensionNumbers[key]?.sort()
        }
    }

    /// The named file followed by everything it imports, directly or not, each once; nil if unknown.
    func fileWithDependencies(named name: String) -> [Data]? {
        guard self.files[name] != nil else { return nil }
        var result: [Data] = []
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.popLast() {
            guard seen.insert(next).inserted, let file = self.files[next] else { continue }
            result.append(file.serialized)
            pending.append(contentsOf: file.dependencies.reversed())
        }
        return result
    }

    static func qualified(_ name: String, in scope: String) -> String {
        scope.isEmpty ? name : scope + "." + name
    }

    /// Removes the leading dot protoc puts on resolved type names.
    static func unrooted(_ name: String) -> String {
        name.hasPrefix(".") ? String(name.dropFirst()) : name
    }
}
