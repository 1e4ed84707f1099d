import CoreTransport
import EchoServerSupport
import GRPCCore
import HarvestryApp

// EchoService on our transport with its defaults (one completion-queue thread); handlers on the cooperative pool.
let transport = CoreServerTransport(host: "127.0.0.1", port: EchoServerMain.port())
let server = GRPCServer(transport: transport, services: [EchoService()])
try await EchoServerMain.serve(server) { try await transport.listeningAddress.port }
