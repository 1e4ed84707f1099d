import API
import SwiftProtobuf

/// Facts read straight from the committed descriptor set, so reflection tests do not have to be edited each time a
/// proto is added. The tests still pin the services and extensions every build must have.
enum DescriptorSetFacts {
    /// The fully qualified name of every service in every file of the set, sorted.
    static func serviceNames() throws -> [String] {
        try DescriptorSet.fileDescriptorSet().file.flatMap { file in
            file.service.map { file.package.isEmpty ? $0.name : "\(file.package).\($0.name)" }
        }.sorted()
    }

    /// The field numbers of every extension of `extendee` (".pkg.Message") in the set, top level or nested, sorted.
    static func extensionNumbers(of extendee: String) throws -> [Int32] {
        func nested(_ message: Google_Protobuf_DescriptorProto) -> [Google_Protobuf_FieldDescriptorProto] {
            message.extension + message.nestedType.flatMap(nested)
        }
        return try DescriptorSet.fileDescriptorSet().file
            .flatMap { $0.extension + $0.messageType.flatMap(nested) }
            .filter { $0.extendee == extendee }
            .map(\.number)
            .sorted()
    }
}
