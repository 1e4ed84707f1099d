import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Plain HTTP/1.1 requests to a `TestServer`'s JSON gateway (URLSession, one connection pool per client).
struct GatewayClient: Sendable {
    /// What came back: the status, the headers by lowercased name, and the body.
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: self.body, as: UTF8.self) }

        /// The body as a JSON object, or nil.
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: self.body) as? [String: Any] }

        /// `error` of a google.rpc.Status body.
        var error: [String: Any]? { self.json?["error"] as? [String: Any] }

        /// The reason of the error's `google.rpc.ErrorInfo` detail, if it has one in domain harvestry.io.
        var errorReason: String? {
            let details = self.error?["details"] as? [[String: Any]] ?? []
            let info = details.first { ($0["@type"] as? String)?.hasSuffix("google.rpc.ErrorInfo") == true }
            guard info?["domain"] as? String == "harvestry.io" else { return nil }
            return info?["reason"] as? String
        }
    }

    let port: Int
    private let session: URLSession

    init(port: Int) {
        self.port = port
        self.session = URLSession(configuration: .ephemeral)
    }

    /// Sends `method path` with `Authorization: Bearer token` (when given) and a JSON body (when given).
    func send(
        _ method: String,
        _ path: String,
        token: String? = nil,
        json body: String? = nil
    ) async throws
        -> Response
    {
        let url = try #require(URL(string: "http://127.0.0.1:\(self.port)\(path)"), "bad path \(path)")
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await self.session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return Response(status: http.statusCode, headers: headers, body: data)
    }

    func close() {
        self.session.finishTasksAndInvalidate()
    }
}
