import API
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Testing

@testable import StandardServices

@Suite("grpc.health.v1.Health", .timeLimit(.minutes(1)))
struct HealthServiceTests {
    typealias ServingStatus = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    let provider = HealthProvider()

    private func withHealthClient<Result: Sendable>(
        maximumListSize: Int = 100,
        _ body: (Grpc_Health_V1_Health.Client<InProcessTransport.Client>) async throws -> Result
    ) async throws -> Result {
        let service = HealthService(provider: self.provider, maximumListSize: maximumListSize)
        return try await withInProcessServer([service]) { client in
            try await body(Grpc_Health_V1_Health.Client(wrapping: client))
        }
    }

    private static func request(_ service: String) -> Grpc_Health_V1_HealthCheckRequest {
        .with { $0.service = service }
    }

    @Test("the server as a whole starts out serving")
    func overallStatus() async throws {
        let response = try await self.withHealthClient { try await $0.check(Self.request("")) }
        #expect(response.status == .serving)
    }

    @Test("Check reports the status last set for a service")
    func checkFollowsUpdates() async throws {
        try await self.withHealthClient { health in
            self.provider.setStatus(.serving, for: Grpc_Health_V1_Health.descriptor)
            let first = try await health.check(Self.request("grpc.health.v1.Health"))
            #expect(first.status == .serving)

            self.provider.setStatus(.notServing, forService: "grpc.health.v1.Health")
            let second = try await health.check(Self.request("grpc.health.v1.Health"))
            #expect(second.status == .notServing)
        }
        #expect(self.provider.status(forService: "grpc.health.v1.Health") == .notServing)
    }

    @Test("Check fails with NOT_FOUND for a service without a status")
    func checkUnknownService() async throws {
        try await self.withHealthClient { health in
            let error = await #expect(throws: RPCError.self) {
                try await health.check(Self.request("harvestry.nope.v1.NopeService"))
            }
            #expect(error?.code == .notFound)

            self.provider.setStatus(.serving, forService: "harvestry.nope.v1.NopeService")
            self.provider.clearStatus(forService: "harvestry.nope.v1.NopeService")
            let cleared = await #expect(throws: RPCError.self) {
                try await health.check(Self.request("harvestry.nope.v1.NopeService"))
            }
            #expect(cleared?.code == .notFound)
        }
    }

    @Test("List returns every status")
    func list() async throws {
        self.provider.setStatus(.serving, forService: "a.A")
        self.provider.setStatus(.notServing, forService: "b.B")
        let response = try await self.withHealthClient { try await $0.list(Grpc_Health_V1_HealthListRequest()) }
        #expect(response.statuses.mapValues(\.status) == ["": .serving, "a.A": .serving, "b.B": .notServing])
    }

    @Test("List fails with RESOURCE_EXHAUSTED past its limit")
    func listTooMany() async throws {
        for index in 0..<3 {
            self.provider.setStatus(.serving, forService: "s.S\(index)")
        }
        try await self.withHealthClient(maximumListSize: 3) { health in
            let error = await #expect(throws: RPCError.self) {
                try await health.list(Grpc_Health_V1_HealthListRequest())
            }
            #expect(error?.code == .resourceExhausted)
        }
    }

    @Test("Watch sends the current status, then every change, without repeats")
    func watchReceivesChanges() async throws {
        let provider = self.provider
        let received = try await self.withHealthClient { health in
            try await health.watch(Self.request("harvestry.echo.v1.EchoService")) { response in
                var statuses: [ServingStatus] = []
                for try await message in response.messages {
                    statuses.append(message.status)
                    // Each change is made only after the previous status arrived, so none can be coalesced.
                    switch statuses.count {
                    case 1:
                        provider.setStatus(.serving, forService: "harvestry.echo.v1.EchoService")
                    case 2:
                        provider.setStatus(.serving, forService: "harvestry.echo.v1.EchoService")  // no change
                        provider.setStatus(.notServing, forService: "harvestry.echo.v1.EchoService")
                    case 3:
                        provider.clearStatus(forService: "harvestry.echo.v1.EchoService")
                    default:
                        return statuses
                    }
                }
                return statuses
            }
        }
        #expect(received == [.serviceUnknown, .serving, .notServing, .serviceUnknown])
        // The server has shut down gracefully, so the cancelled watch must have been forgotten.
        #expect(self.provider.watcherCount == 0)
    }

    @Test("enterShutdown tells watchers NOT_SERVING and ends their streams")
    func shutdownEndsWatch() async throws {
        let provider = self.provider
        provider.setStatus(.serving, forService: "a.A")
        let received = try await self.withHealthClient { health in
            try await health.watch(Self.request("a.A")) { response in
                var statuses: [ServingStatus] = []
                for try await message in response.messages {
                    statuses.append(message.status)
                    provider.enterShutdown()
                }
                return statuses
            }
        }
        #expect(received == [.serving, .notServing])
        #expect(provider.status(forService: "") == .notServing)
        provider.setStatus(.serving, forService: "a.A")
        #expect(provider.status(forService: "a.A") == .notServing, "updates after shutdown are ignored")
    }
}
