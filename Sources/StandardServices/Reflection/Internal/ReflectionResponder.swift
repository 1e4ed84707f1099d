import API
import GRPCCore
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Answers reflection requests from a ``DescriptorIndex``. Written against the v1 messages; v1alpha
/// requests are converted to v1 and back (the two versions share field numbers and types).
struct ReflectionResponder: Sendable {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
    typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

    let index: DescriptorIndex
    /// The services `list_services` reports.
    let serviceNames: [String]

    func respond(to request: Request) -> Response {
        var response = Response()
        response.validHost = request.host
        response.originalRequest = request
        response.messageResponse = self.answer(request.messageRequest)
        return response
    }

    private func answer(_ question: Request.OneOf_MessageRequest?) -> Response.OneOf_MessageResponse {
        switch question {
        case .fileByFilename(let name):
            return self.files(self.index.fileWithDependencies(named: name), notFound: "file '\(name)'")

        case .fileContainingSymbol(let symbol):
            let name = DescriptorIndex.unrooted(symbol)
            let file = self.index.fileBySymbol[name]
            return self.files(file.flatMap(self.index.fileWithDependencies(named:)), notFound: "symbol '\(name)'")

        case .fileContainingExtension(let request):
            let key = DescriptorIndex.ExtensionKey(
                extendee: DescriptorIndex.unrooted(request.containingType),
                number: request.extensionNumber
            )
            let file = self.index.fileByExtension[key]
            return self.files(
                file.flatMap(self.index.fileWithDependencies(named:)),
                notFound: "extension \(key.number) of '\(key.extendee)'"
            )

        case .allExtensionNumbersOfType(let type):
            let name = DescriptorIndex.unrooted(type)
            guard let numbers = self.index.extensionNumbers[name] else {
                return Self.error(.notFound, "message type '\(name)' not found")
            }
            return .allExtensionNumbersResponse(
                .with {
                    $0.baseTypeName = name
                    $0.extensionNumber = numbers
                }
            )

        case .listServices:
            return .listServicesResponse(
                .with { list in
                    list.service = self.serviceNames.map { name in .with { $0.name = name } }
                }
            )

        case nil:
            return Self.error(.invalidArgument, "the request names no question (message_request is empty)")
        }
    }

    private func files(_ files: [Data]?, notFound what: String) -> Response.OneOf_MessageResponse {
        guard let files else {
            return Self.error(.notFound, "\(what) not found")
        }
        return .fileDescriptorResponse(.with { $0.fileDescriptorProto = files })
    }

    private static func error(_ code: RPCError.Code, _ message: String) -> Response.OneOf_MessageResponse {
        .errorResponse(
            .with {
                $0.errorCode = Int32(code.rawValue)
                $0.errorMessage = message
            }
        )
    }
}
