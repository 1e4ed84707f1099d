import API
import SwiftProtobuf

/// The messages, enums and services of a `FileDescriptorSet`, by full name, with fields findable by their proto
/// name (`page_size`) or their JSON name (`pageSize`).
public struct DescriptorIndex: Sendable {
    public struct Field: Sendable, Hashable {
        public typealias Kind = Google_Protobuf_FieldDescriptorProto.TypeEnum
        public var name: String
        public var jsonName: String
        public var number: Int32
        public var kind: Kind
        public var isRepeated: Bool
        /// Full name without the leading dot, for message and enum fields.
        public var typeName: String
        public var oneofIndex: Int32?
        public var isProto3Optional: Bool
    }

    public struct Message: Sendable {
        public var fullName: String
        public var fields: [Field]
        public var isMapEntry: Bool
        public var oneofNames: [String]
        public var comment: String
        fileprivate var fieldIndex: [String: Int]

        public func field(named name: some StringProtocol) -> Field? {
            self.fieldIndex[String(name)].map { self.fields[$0] }
        }
    }

    public struct Enum: Sendable {
        public var fullName: String
        public var values: [(name: String, number: Int32)]
        public var comment: String
    }

    public struct Method: Sendable {
        public var service: String
        public var name: String
        public var inputType: String
        public var outputType: String
        public var clientStreaming: Bool
        public var serverStreaming: Bool
        public var rule: Google_Api_HttpRule?
        public var comment: String
        public var fullName: String { "\(self.service).\(self.name)" }
    }

    public private(set) var messages: [String: Message] = [:]
    public private(set) var enums: [String: Enum] = [:]
    /// Every method of every service, in file order.
    public private(set) var methods: [Method] = []

    /// Decodes `bytes` (a serialized FileDescriptorSet) with the google.api.http extension known.
    public init(descriptorSetBytes bytes: [UInt8]) throws {
        let set = try Google_Protobuf_FileDescriptorSet(
            serializedBytes: bytes,
            extensions: Google_Api_Annotations_Extensions
        )
        for file in set.file {
            let package = file.package
            let comments = Comments(file.sourceCodeInfo)
            for (index, message) in file.messageType.enumerated() {
                self.add(message, prefix: package, path: [4, Int32(index)], comments: comments)
            }
            for (index, enumType) in file.enumType.enumerated() {
                self.add(enumType, prefix: package, comment: comments[[5, Int32(index)]])
            }
            for (serviceIndex, service) in file.service.enumerated() {
                let serviceName = package.isEmpty ? service.name : "\(package).\(service.name)"
                for (methodIndex, method) in service.method.enumerated() {
                    self.methods.append(
                        Method(
                            service: serviceName,
                            name: method.name,
                            inputType: Self.stripDot(method.inputType),
                            outputType: Self.stripDot(method.outputType),
                            clientStreaming: method.clientStreaming,
                            serverStreaming: method.serverStreaming,
                            rule: method.options.hasGoogle_Api_http ? method.options.Google_Api_http : nil,
                            comment: comments[[6, Int32(serviceIndex), 2, Int32(methodIndex)]]
                        )
                    )
                }
            }
        }
    }

    /// The embedded descriptor set of every proto under proto/ (Sources/API).
    public static func embedded() throws -> DescriptorIndex {
        try DescriptorIndex(descriptorSetBytes: DescriptorSet.bytes)
    }

    private mutating func add(
        _ message: Google_Protobuf_DescriptorProto,
        prefix: String,
        path: [Int32],
        comments: Comments
    ) {
        let fullName = prefix.isEmpty ? message.name : "\(prefix).\(message.name)"
        var fields: [Field] = []
        var fieldIndex: [String: Int] = [:]
        for field in message.field {
            let info = Field(
                name: field.name,
                jsonName: field.hasJsonName ? field.jsonName : Self.lowerCamelCase(field.name),
                number: field.number,
                kind: field.type,
                isRepeated: field.label == .repeated,
                typeName: Self.stripDot(field.typeName),
                oneofIndex: field.hasOneofIndex && !field.proto3Optional ? field.oneofIndex : nil,
                isProto3Optional: field.proto3Optional
            )
            fieldIndex[info.name] = fields.count
            fieldIndex[info.jsonName] = fields.count
            fields.append(info)
        }
        self.messages[fullName] = Message(
            fullName: fullName,
            fields: fields,
            isMapEntry: message.options.mapEntry,
            oneofNames: message.oneofDecl.map(\.name),
            comment: comments[path],
            fieldIndex: fieldIndex
        )
        for (index, nested) in message.nestedType.enumerated() {
            self.add(nested, prefix: fullName, path: path + [3, Int32(index)], comments: comments)
        }
        for (index, nested) in message.enumType.enumerated() {
            self.add(nested, prefix: fullName, comment: comments[path + [4, Int32(index)]])
        }
    }

    private mutating func add(_ enumType: Google_Protobuf_EnumDescriptorProto, prefix: String, comment: String) {
        let fullName = prefix.isEmpty ? enumType.name : "\(prefix).\(enumType.name)"
        self.enums[fullName] = Enum(
            fullName: fullName,
            values: enumType.value.map { ($0.name, $0.number) },
            comment: comment
        )
    }

    static func stripDot(_ name: String) -> String {
        name.first == "." ? String(name.dropFirst()) : name
    }

    /// protoc's default JSON name: `page_size` -> `pageSize`.
    static func lowerCamelCase(_ name: String) -> String {
        var result = ""
        var upper = false
        for character in name {
            if character == "_" {
                upper = true
            } else {
                result.append(upper ? Character(character.uppercased()) : character)
                upper = false
            }
        }
        return result
    }
}

/// Leading comments by source path (SourceCodeInfo), trimmed.
struct Comments {
    private var byPath: [[Int32]: String] = [:]

    init(_ info: Google_Protobuf_SourceCodeInfo) {
        for location in info.location where location.hasLeadingComments {
            let text = location.leadingComments
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(" ") ? $0.dropFirst() : $0 }
                .joined(separator: "\n")
            self.byPath[location.path] = text.trimmingWhitespace()
        }
    }

    subscript(path: [Int32]) -> String { self.byPath[path] ?? "" }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = self[...]
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
