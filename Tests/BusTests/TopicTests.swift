import Bus
import Testing

@Suite("Device topics")
struct DeviceTopicTests {
    @Test("build and parse round trip", arguments: DeviceTopic.Channel.allCases)
    func roundTrip(channel: DeviceTopic.Channel) throws {
        let topic = try DeviceTopic(site: "site-1", device: "pump.3", channel: channel)
        #expect(topic.name == "hv/v1/site-1/pump.3/\(channel.rawValue)")
        #expect(try DeviceTopic(parsing: topic.name) == topic)
    }

    @Test(
        "bad topics name the field",
        arguments: [
            ("hv/v2/s/d/telemetry", "topic"),
            ("hv/v1/s/d", "topic"),
            ("hv/v1/s/d/telemetry/extra", "topic"),
            ("hv/v1/s/d/temperature", "channel"),
            ("hv/v1//d/telemetry", "site"),
            ("hv/v1/s/+/telemetry", "device"),
            ("hv/v1/s#/d/telemetry", "site"),
            ("hv/v1/s/d d/telemetry", "device"),
        ]
    )
    func rejects(topic: String, field: String) {
        do {
            _ = try DeviceTopic(parsing: topic)
            Issue.record("accepted \(topic)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.field == field)
        }
    }

    @Test("segments longer than 64 characters are rejected")
    func longSegment() {
        let long = String(repeating: "a", count: 65)
        do {
            _ = try DeviceTopic(site: "s", device: long, channel: .cmd)
            Issue.record("accepted a 65-character device")
        } catch {
            #expect(error.field == "device")
        }
        #expect((try? DeviceTopic(site: "s", device: String(long.dropLast()), channel: .cmd)) != nil)
    }

    @Test("filters and the ingest subscription")
    func filters() throws {
        #expect(try DeviceTopic.filter(channel: .telemetry) == "hv/v1/+/+/telemetry")
        #expect(try DeviceTopic.filter(channel: .status, site: "s1") == "hv/v1/s1/+/status")
        let shared = try DeviceTopic.shared(group: "harvestry-ingest", filter: DeviceTopic.filter(channel: .telemetry))
        #expect(shared == DeviceTopic.ingestSubscription)
        #expect(DeviceTopic.statusSubscription == "$share/harvestry-ingest/hv/v1/+/+/status")
        try TopicValidation.validateFilter(DeviceTopic.ingestSubscription)
        try TopicValidation.validateFilter(DeviceTopic.statusSubscription)
    }
}

@Suite("Topic validation")
struct TopicValidationTests {
    @Test("valid filters", arguments: ["a/b", "a/+/c", "#", "a/#", "+", "$share/g/a/+", "$SYS/#"])
    func validFilters(filter: String) throws {
        try TopicValidation.validateFilter(filter)
    }

    @Test(
        "invalid filters",
        arguments: ["", "a/b#", "a/#/c", "a+/b", "$share/g", "$share//a", "$share/g+/a", "a\u{0}b"]
    )
    func invalidFilters(filter: String) {
        do {
            try TopicValidation.validateFilter(filter, field: "subscription")
            Issue.record("accepted \(filter)")
        } catch {
            #expect(error.field == "subscription")
        }
    }

    @Test("publish topics reject wildcards and $", arguments: ["a/+", "a/#", "$SYS/x", ""])
    func invalidTopics(topic: String) {
        do {
            try TopicValidation.validateTopic(topic)
            Issue.record("accepted \(topic)")
        } catch {
            #expect(error.field == "topic")
        }
    }

    @Test(
        "client ids",
        arguments: [
            ("ingest-1", true), ("a_b", true), ("", false), ("has space", false),
            (String(repeating: "x", count: 24), false),
        ]
    )
    func clientIDs(id: String, valid: Bool) {
        #expect(((try? TopicValidation.validateClientID(id)) != nil) == valid)
    }
}

@Suite("Broker URLs")
struct EndpointTests {
    @Test(
        "valid URLs",
        arguments: [
            ("mqtt://broker:1884", "broker", 1884), ("mqtt://10.0.0.5", "10.0.0.5", 1883),
            ("mqtt://[::1]:1883", "::1", 1883),
        ]
    )
    func valid(url: String, host: String, port: Int) throws {
        #expect(try MQTTEndpoint(url: url, field: "MQTT_URL") == MQTTEndpoint(host: host, port: port))
    }

    @Test(
        "invalid URLs name the field",
        arguments: [
            "broker:1883", "http://broker", "mqtt://", "mqtt://host:0", "mqtt://host:x", "mqtt://u@h:1",
            "mqtts://h:8883", "mqtt://h:1/path",
        ]
    )
    func invalid(url: String) {
        do {
            _ = try MQTTEndpoint(url: url, field: "MQTT_URL")
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.field == "MQTT_URL")
            #expect(error.message.hasPrefix("MQTT_URL: "))
        }
    }
}
