import SwiftProtobuf

extension DescriptorIndex {
    /// Records every symbol the file defines. Names follow protobuf scoping: nested types and fields sit
    /// under their message, methods under their service, and enum values beside their enum (C++ scoping),
    /// so `pkg.Color.RED` is `pkg.RED`; the `pkg.Color.RED` spelling some clients send is accepted too.
    mutating func indexSymbols(of file: Google_Protobuf_FileDescriptorProto) {
        let package = file.package
        for message in file.messageType {
            self.indexMessage(message, scope: package, file: file.name)
        }
        for enumType in file.enumType {
            self.indexEnum(enumType, scope: package, file: file.name)
        }
        for service in file.service {
            let serviceName = Self.qualified(service.name, in: package)
            self.register(serviceName, in: file.name)
            for method in service.method {
                self.register(Self.qualified(method.name, in: serviceName), in: file.name)
            }
        }
        for field in file.extension {
            self.indexExtension(field, scope: package, file: file.name)
        }
    }

    private mutating func indexMessage(_ message: Google_Protobuf_DescriptorProto, scope: String, file: String) {
        let name = Self.qualified(message.name, in: scope)
        self.register(name, in: file)
        if self.extensionNumbers[name] == nil {
            self.extensionNumbers[name] = []
        }
        for field in message.field {
            self.register(Self.qualified(field.name, in: name), in: file)
        }
        for oneof in message.oneofDecl {
            self.register(Self.qualified(oneof.name, in: name), in: file)
        }
        for nested in message.nestedType {
            self.indexMessage(nested, scope: name, file: file)
        }
        for enumType in message.enumType {
            self.indexEnum(enumType, scope: name, file: file)
        }
        for field in message.extension {
            self.indexExtension(field, scope: name, file: file)
        }
    }

    private mutating func indexEnum(_ enumType: Google_Protobuf_EnumDescriptorProto, scope: String, file: String) {
        let name = Self.qualified(enumType.name, in: scope)
        self.register(name, in: file)
        for value in enumType.value {
            self.register(Self.qualified(value.name, in: scope), in: file)
            self.register(Self.qualified(value.name, in: name), in: file)
        }
    }

    private mutating func indexExtension(_ field: Google_Protobuf_FieldDescriptorProto, scope: String, file: String) {
        self.register(Self.qualified(field.name, in: scope), in: file)
        let extendee = Self.unrooted(field.extendee)
        let key = ExtensionKey(extendee: extendee, number: field.number)
        if self.fileByExtension[key] == nil {
            self.fileByExtension[key] = file
            self.extensionNumbers[extendee, default: []].append(field.number)
        }
    }

    /// Keeps the first file for a name: protoc rejects real duplicates, so a clash can only come from the
    /// alternative enum value spelling.
    private mutating func register(_ symbol: String, in file: String) {
        if self.fileBySymbol[symbol] == nil {
            self.fileBySymbol[symbol] = file
        }
    }
}
