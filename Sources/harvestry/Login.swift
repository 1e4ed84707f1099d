import API
import ArgumentParser
import CoreTransport
import GRPCCore

/// `harvestry login`: badge login against a running server; prints the session token and who signed in.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in with a badge at a running server and print the session token.",
        discussion: """
            The token goes in the authorization metadata of every other call: `authorization: Bearer <token>`. \
            With --token-only only the token is printed, e.g. TOKEN=$(harvestry login --badge DGC-1010 --token-only).
            """
    )

    @Option(help: "The badge code, e.g. DGC-1010 from `harvestry seed pilot`.")
    var badge: String

    @Option(help: "The device signing in.")
    var device = "harvestry-cli"

    @Option(help: "The server, host:port.")
    var target = "127.0.0.1:50051"

    @Flag(help: "Print only the token.")
    var tokenOnly = false

    func run() async throws {
        var request = Harvestry_Identity_V1_BadgeLoginRequest()
        request.badgeID = self.badge
        request.deviceID = self.device
        let response = try await withGRPCClient(transport: try CoreClientTransport(target: self.target)) { client in
            try await Harvestry_Identity_V1_IdentityService.Client(wrapping: client).badgeLogin(request)
        }
        if self.tokenOnly {
            print(response.token)
            return
        }
        print("user:    \(response.user.name) (\(response.user.id))")
        print("roles:   \(response.user.roles.joined(separator: ", "))")
        print("sites:   \(response.user.sites.map { "sites/" + $0 }.joined(separator: ", "))")
        print("session: \(response.sessionID)")
        print("token:   \(response.token)")
    }
}
