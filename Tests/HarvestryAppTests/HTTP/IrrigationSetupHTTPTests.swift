import API
import Foundation
import Testing

extension DatabaseSuites {
    /// The setup API through the JSON gateway beside the server: its main routes with JSON names, errors as
    /// google.rpc.Status naming the field, and the routes in /openapi.json.
    @Suite("Irrigation setup over HTTP")
    struct IrrigationSetupHTTPTests {
        @Test("tanks, products, channels, settings and interlock sources through the gateway")
        func routes() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database, sites: 1)
            try await TestServer.with(database, gateway: true) { server in
                let session = try await server.login(tenant.adminBadge)
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: session.metadata)
                let http = GatewayClient(port: try #require(server.httpPort))
                defer { http.close() }
                let token = session.token

                let tankResponse = try await http.send(
                    "POST",
                    "/v1/\(f.site)/mixTanks",
                    token: token,
                    json: #"{"code":"TANK-H","displayName":"Feed H","capacityLiters":750}"#
                )
                #expect(tankResponse.status == 200, "\(tankResponse.text)")
                let tank = try #require(tankResponse.json?["name"] as? String)
                let listed = try await http.send("GET", "/v1/\(f.site)/mixTanks", token: token)
                #expect((listed.json?["mixTanks"] as? [[String: Any]])?.count == 1, "\(listed.text)")
                let patched = try await http.send(
                    "PATCH",
                    "/v1/\(tank)?updateMask=capacityLiters",
                    token: token,
                    json: #"{"capacityLiters":900}"#
                )
                #expect(patched.json?["capacityLiters"] as? Double == 900, "\(patched.text)")

                let product = try await http.send(
                    "POST",
                    "/v1/\(f.site)/nutrientProducts",
                    token: token,
                    json: #"{"code":"GROW","displayName":"Grow","manufacturer":"Acme"}"#
                )
                let productName = try #require(product.json?["name"] as? String, "\(product.text)")
                let channel = try await http.send(
                    "POST",
                    "/v1/\(tank)/injectorChannels",
                    token: token,
                    json: #"{"channel":4,"nutrientProduct":"\#(productName)","mlPerLiter":1.25}"#
                )
                #expect(channel.status == 200 && channel.json?["channel"] as? Int == 4, "\(channel.text)")
                let badChannel = try await http.send(
                    "POST",
                    "/v1/\(tank)/injectorChannels",
                    token: token,
                    json: #"{"channel":0}"#
                )
                #expect(badChannel.status == 400, "\(badChannel.text)")
                #expect(IrrigationSeedContractTests.fieldViolations(badChannel) == ["injector_channel.channel"])
                let inUse = try await http.send("DELETE", "/v1/\(productName)", token: token)
                #expect(inUse.status == 400 && inUse.errorReason == "NUTRIENT_PRODUCT_IN_USE", "\(inUse.text)")

                let settings = try await http.send(
                    "PATCH",
                    "/v1/\(f.site)/irrigationSettings?updateMask=manualApproval,staleAfter",
                    token: token,
                    json: #"{"manualApproval":true,"staleAfter":"30s"}"#
                )
                #expect(settings.status == 200, "\(settings.text)")
                let read = try await http.send("GET", "/v1/\(f.site)/irrigationSettings", token: token)
                #expect(read.json?["manualApproval"] as? Bool == true, "\(read.text)")
                #expect(read.json?["staleAfter"] as? String == "30s", "\(read.text)")
                let badSettings = try await http.send(
                    "PATCH",
                    "/v1/\(f.site)/irrigationSettings?updateMask=tankMinimumPercent",
                    token: token,
                    json: #"{"tankMinimumPercent":150}"#
                )
                #expect(badSettings.status == 400, "\(badSettings.text)")
                #expect(
                    IrrigationSeedContractTests.fieldViolations(badSettings) == [
                        "irrigation_settings.tank_minimum_percent"
                    ]
                )

                let sources = try await http.send(
                    "PATCH",
                    "/v1/\(f.group.name)/interlockSources?updateMask=estop",
                    token: token,
                    json: #"{"estop":{"deviceState":{"device":"\#(f.valves[0].name)","property":"estop"}}}"#
                )
                #expect(sources.status == 200, "\(sources.text)")
                let readSources = try await http.send("GET", "/v1/\(f.group.name)/interlockSources", token: token)
                let estop = (readSources.json?["estop"] as? [String: Any])?["deviceState"] as? [String: Any]
                #expect(estop?["property"] as? String == "estop", "\(readSources.text)")

                let openapi = try await http.send("GET", "/openapi.json")
                let paths = try #require(openapi.json?["paths"] as? [String: Any])
                for collection in [
                    "mixTanks", "nutrientProducts", "injectorChannels", "irrigationSettings", "interlockSources",
                ] {
                    let matching = paths.keys.filter { $0.contains("/\(collection)") }
                    #expect(matching.count >= 1, "no /openapi.json path for \(collection)")
                }
            }
        }
    }
}
