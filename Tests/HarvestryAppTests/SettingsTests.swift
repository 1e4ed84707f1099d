import CoreTransport
import HarvestryApp
import Logging
import Testing

@Suite("serve settings from flags and environment")
struct SettingsTests {
    @Test("defaults")
    func defaults() throws {
        let configuration = try Settings(flags: [:], environment: [:]).serveConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 50051)
        #expect(configuration.transport.tls == nil)
    }

    @Test("a flag wins over the environment")
    func flagWins() throws {
        let settings = Settings(flags: [.port: "7000"], environment: ["HARVESTRY_PORT": "8000", "HARVESTRY_HOST": "::1"])
        let configuration = try settings.serveConfiguration()
        #expect(configuration.port == 7000)
        #expect(configuration.host == "::1")
    }

    @Test(
        "bad values are refused naming the flag or variable",
        arguments: [
            ([Settings.Key.port: "70000"], [String: String](), "--port"),
            ([:], ["HARVESTRY_PORT": "x"], "HARVESTRY_PORT"),
            ([.maxMessageBytes: "0"], [:], "--max-message-bytes"),
            ([:], ["HARVESTRY_COMPRESSION": "brotli"], "HARVESTRY_COMPRESSION"),
            ([.tlsKey: "/k.pem"], [:], "--tls-cert"),
            ([.tlsCert: "/c.pem"], [:], "--tls-key"),
            ([.gracePeriodSeconds: "-1"], [:], "--grace-period-seconds"),
            ([.keepaliveSeconds: "1.5"], [:], "--keepalive-seconds"),
        ]
    )
    func refused(flags: [Settings.Key: String], environment: [String: String], field: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try Settings(flags: flags, environment: environment).serveConfiguration()
        }
        #expect(error?.field == field)
    }

    @Test("mutual TLS without client roots is refused")
    func mutualTLSNeedsRoots() throws {
        let settings = Settings(flags: [.tlsCert: "/c.pem", .tlsKey: "/k.pem", .requireClientCert: "true"], environment: [:])
        let configuration = try settings.serveConfiguration()
        let error = #expect(throws: ConfigurationError.self) { try configuration.validate() }
        #expect(error?.field == "tls-client-ca")
    }

    @Test("log levels parse and bad ones are named")
    func logLevel() throws {
        #expect(try Settings(flags: [.logLevel: "DEBUG"], environment: [:]).logLevel() == .debug)
        let error = #expect(throws: ConfigurationError.self) {
            try Settings(flags: [:], environment: ["HARVESTRY_LOG_LEVEL": "loud"]).logLevel()
        }
        #expect(error?.field == "HARVESTRY_LOG_LEVEL")
    }
}
