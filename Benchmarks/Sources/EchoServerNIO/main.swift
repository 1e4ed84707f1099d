import EchoServerSupport
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HarvestryApp
import NIOCore
import NIOPosix

// EchoService on grpc-swift-2's NIO transport, plaintext; handlers on the cooperative pool. One event loop per core
// the process may use: NIO's singleton group counts the machine's cores, not the `taskset` mask, and two loops on
// one core would only add context switches.
let group = MultiThreadedEventLoopGroup(numberOfThreads: EchoServerMain.allowedCores)
let transport = HTTP2ServerTransport.Posix(
    address: .ipv4(host: "127.0.0.1", port: EchoServerMain.port()),
    transportSecurity: .plaintext,
    eventLoopGroup: group
)
let server = GRPCServer(transport: transport, services: [EchoService()])
try await EchoServerMain.serve(server) {
    guard let port = try await transport.listeningAddress.ipv4?.port else {
        throw RPCError(code: .internalError, message: "The NIO transport is not listening on an IPv4 address.")
    }
    return port
}
try await group.shutdownGracefully()
