import API
import EchoServerSupport
import Gateway
import GRPCCore
import HarvestryApp
import Hummingbird
import Logging
import ServiceLifecycle
import SwiftProtobuf
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// EchoService/Echo as HTTP/JSON, two ways, for Benchmarks/gateway:
//   GatewayBench gateway --port N      the JSON gateway, calling EchoService in process (as `harvestry serve` does)
//   GatewayBench handwritten --port N  a hand-written Hummingbird handler: JSON -> EchoService.echo -> JSON,
//                                      the practical ceiling for any gateway on this HTTP stack
// Prints `LISTENING <port>` when ready; stops on SIGTERM.
let arguments = CommandLine.arguments
guard arguments.count == 4, ["gateway", "handwritten"].contains(arguments[1]) else {
    print("usage: GatewayBench gateway|handwritten --port N")
    exit(2)
}
let port = EchoServerMain.port(from: [arguments[0]] + Array(arguments[2...]))
let logger: Logger = {
    var logger = Logger(label: "gateway-bench")
    logger.logLevel = .error
    return logger
}()

let onRunning: @Sendable (Int) async -> Void = { EchoServerMain.writeLine("LISTENING \($0)") }

if arguments[1] == "gateway" {
    let direct = DirectServerTransport()
    let server = GRPCServer(transport: direct, services: [EchoService()])
    let gateway = try GatewayServer(
        configuration: GatewayConfiguration(host: "127.0.0.1", port: port),
        upstream: DirectUpstream(transport: direct),
        logger: logger,
        onListening: onRunning
    )
    try await withThrowingDiscardingTaskGroup { group in
        group.addTask { try await server.serve() }
        group.addTask {
            let services = ServiceGroup(
                configuration: .init(services: [gateway], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            )
            try await services.run()
            server.beginGracefulShutdown()
        }
    }
} else {
    let service = EchoService()
    let router = Router()
    router.post("/v1/echo:echo") { request, context -> Response in
        var request = request
        let body = try await request.collectBody(upTo: 4 << 20)
        let message = try Harvestry_Echo_V1_EchoRequest(jsonUTF8Bytes: Array(buffer: body))
        let serverContext = ServerContext(
            descriptor: Harvestry_Echo_V1_EchoService.Method.Echo.descriptor,
            remotePeer: "",
            localPeer: "",
            cancellation: ServerContext.RPCCancellationHandle()
        )
        let reply = try await service.echo(request: message, context: serverContext)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let json: [UInt8] = try reply.jsonUTF8Bytes()
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }
    let app = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
        onServerRunning: { await onRunning($0.localAddress?.port ?? 0) },
        logger: logger
    )
    try await app.runService()
}
