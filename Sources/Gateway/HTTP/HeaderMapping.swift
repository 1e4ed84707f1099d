import CoreTransport
import GRPCCore
import HTTPTypes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// HTTP headers <-> gRPC metadata.
///
/// In: `Authorization` -> `authorization`; `Grpc-Metadata-Key: v` -> `key: v` (a `-bin` key's value is base64);
/// `X-Request-Id` and `X-Forwarded-For` (with the peer appended) are forwarded; `Grpc-Timeout` sets the deadline.
/// Out: response metadata and trailers -> `Grpc-Metadata-Key`.
enum HeaderMapping {
    static let metadataPrefix = "grpc-metadata-"

    static func requestMetadata(
        _ headers: HTTPFields,
        requestID: String,
        peer: String?
    ) throws(GatewayError) -> (Metadata, timeout: Duration?) {
        var metadata: Metadata = [:]
        var timeout: Duration?
        var forwardedFor: String?
        for field in headers {
            let name = field.name.canonicalName
            switch name {
            case "authorization":
                metadata.addString(field.value, forKey: "authorization")
            case "x-forwarded-for":
                forwardedFor = forwardedFor.map { $0 + ", " + field.value } ?? field.value
            case "grpc-timeout":
                guard let parsed = Self.parseTimeout(field.value) else {
                    throw GatewayError.invalidArgument(
                        field: "Grpc-Timeout",
                        reason: "INVALID_HEADER",
                        "Grpc-Timeout '\(field.value)' is not a timeout like 500m or 10S"
                    )
                }
                timeout = parsed
            default:
                guard name.hasPrefix(Self.metadataPrefix), name.count > Self.metadataPrefix.count else { continue }
                let key = String(name.dropFirst(Self.metadataPrefix.count))
                if key.hasSuffix("-bin") {
                    guard let bytes = Data(base64Encoded: field.value) else {
                        throw GatewayError.invalidArgument(
                            field: field.name.rawName,
                            reason: "INVALID_HEADER",
                            "\(field.name.rawName) is a binary key; its value must be base64"
                        )
                    }
                    metadata.addBinary([UInt8](bytes), forKey: key)
                } else if !key.hasPrefix("grpc-") {
                    metadata.addString(field.value, forKey: key)
                }
            }
        }
        metadata.addString(requestID, forKey: "x-request-id")
        if let peer {
            forwardedFor = forwardedFor.map { $0 + ", " + peer } ?? peer
        }
        if let forwardedFor { metadata.addString(forwardedFor, forKey: "x-forwarded-for") }
        return (metadata, timeout)
    }

    /// gRPC's `TimeoutValue TimeoutUnit`: up to 8 digits and one of H M S m u n.
    static func parseTimeout(_ text: String) -> Duration? {
        Metadata.parseTimeout(text)
    }

    /// Adds `Grpc-Metadata-*` for every application key of `metadata`.
    static func addResponseHeaders(_ metadata: Metadata, to fields: inout HTTPFields) {
        for (key, value) in metadata {
            guard !key.hasPrefix("grpc-"), key != "content-type", !key.hasPrefix(":"),
                let name = HTTPField.Name("Grpc-Metadata-" + key)
            else { continue }
            switch value {
            case .string(let text): fields.append(HTTPField(name: name, value: text))
            case .binary(let bytes): fields.append(HTTPField(name: name, value: Data(bytes).base64EncodedString()))
            }
        }
    }
}
