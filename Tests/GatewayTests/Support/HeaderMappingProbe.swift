@testable import Gateway

/// Reaches the internal timeout parser.
enum HeaderMappingProbe {
    static func parse(_ text: String) -> Duration? { HeaderMapping.parseTimeout(text) }
}

/// Reaches the internal request-id generator.
enum GatewayProbe {
    static func newRequestID() -> String { Gateway.newRequestID() }
}
