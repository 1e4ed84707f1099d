import Bus
import HarvestryApp
import Testing

@Suite("serve data settings")
struct DataSettingsTests {
    @Test("defaults: embedded server in .harvestry, migrate on start, key file")
    func defaults() throws {
        let data = try Settings(flags: [:], environment: [:]).dataConfiguration()
        #expect(data.databaseURL == nil)
        #expect(data.dataDirectory == ".harvestry")
        #expect(data.migrate)
        #expect(data.tokenSecret == nil)
    }

    @Test("DATABASE_URL, HARVESTRY_DATA_DIR, HARVESTRY_NO_MIGRATE and HARVESTRY_TOKEN_KEY; flags win")
    func environment() throws {
        let environment = [
            "DATABASE_URL": "postgresql://db/harvestry",
            "HARVESTRY_DATA_DIR": "/var/lib/harvestry",
            "HARVESTRY_NO_MIGRATE": "1",
            "HARVESTRY_TOKEN_KEY": String(repeating: "k", count: 32),
        ]
        let data = try Settings(flags: [:], environment: environment).dataConfiguration()
        #expect(data.databaseURL == "postgresql://db/harvestry")
        #expect(data.dataDirectory == "/var/lib/harvestry")
        #expect(!data.migrate)
        #expect(data.tokenSecret?.count == 32)
        let flagged = try Settings(flags: [.databaseURL: "host=other", .dataDir: "/srv"], environment: environment)
            .dataConfiguration()
        #expect(flagged.databaseURL == "host=other")
        #expect(flagged.dataDirectory == "/srv")
        #expect(try Settings(flags: [:], environment: ["DATABASE_URL": ""]).dataConfiguration().databaseURL == nil)
    }

    @Test("a short token key and an empty data dir are refused, naming the source")
    func refused() {
        let short = #expect(throws: ConfigurationError.self) {
            try Settings(flags: [.tokenKey: "short"], environment: [:]).dataConfiguration()
        }
        #expect(short?.field == "--token-key")
        let empty = #expect(throws: ConfigurationError.self) {
            try Settings(flags: [:], environment: ["HARVESTRY_DATA_DIR": ""]).dataConfiguration()
        }
        #expect(empty?.field == "HARVESTRY_DATA_DIR")
    }
}

@Suite("serve MQTT settings")
struct MQTTSettingsTests {
    @Test("no MQTT_URL (or an empty one) runs the embedded broker; the flag wins over the environment")
    func endpoint() throws {
        #expect(try Settings(flags: [:], environment: [:]).mqttEndpoint() == nil)
        #expect(try Settings(flags: [:], environment: ["MQTT_URL": ""]).mqttEndpoint() == nil)
        let external = try Settings(flags: [:], environment: ["MQTT_URL": "mqtt://broker:1884"]).mqttEndpoint()
        #expect(external?.host == "broker" && external?.port == 1884)
        let flagged = try Settings(flags: [.mqttURL: "mqtt://other"], environment: ["MQTT_URL": "mqtt://broker:1884"])
            .mqttEndpoint()
        #expect(flagged?.host == "other" && flagged?.port == 1883)
    }

    @Test("a malformed MQTT_URL is refused, naming its source", arguments: ["broker:1883", "mqtt://h:99999", "tcp://h"])
    func refused(url: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try Settings(flags: [:], environment: ["MQTT_URL": url]).mqttEndpoint()
        }
        #expect(error?.field == "MQTT_URL")
        #expect(error?.description.hasPrefix("invalid MQTT_URL: ") == true)
        #expect(error?.description.contains("MQTT_URL: MQTT_URL") == false)
        let flagged = #expect(throws: ConfigurationError.self) {
            try Settings(flags: [.mqttURL: url], environment: [:]).mqttEndpoint()
        }
        #expect(flagged?.field == "--mqtt-url")
    }

    @Test("HARVESTRY_MQTT_CLIENT_ID gives a stable id; a malformed one is refused naming its source")
    func clientID() throws {
        #expect(try Settings(flags: [:], environment: [:]).mqttClientID() == nil)
        let environment = ["HARVESTRY_MQTT_CLIENT_ID": "ingest-a"]
        #expect(try Settings(flags: [:], environment: environment).mqttClientID() == "ingest-a")
        let error = #expect(throws: ConfigurationError.self) {
            try Settings(flags: [.mqttClientID: "has space"], environment: environment).mqttClientID()
        }
        #expect(error?.field == "--mqtt-client-id")
    }
}
