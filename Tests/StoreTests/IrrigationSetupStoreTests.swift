import Domain
import Foundation
import Testing

@testable import Store

extension PostgresIntegrationTests {
    /// Mix tanks, nutrient products and injector channels: created, read, listed, changed and deleted with audit
    /// rows; references checked against the site (fields named); a product a channel doses and a tank a group draws
    /// from are not deleted; another tenant sees nothing.
    @Test func irrigationSupplyCrudReferencesAndScope() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let store = f.irrigation
            let tank = try await store.createMixTank(
                MixTank(
                    siteID: f.site,
                    code: "TANK-A",
                    name: "Feed A",
                    capacityLiters: 1_000,
                    levelSensorID: f.valves[0]
                ),
                in: f.scope,
                audit: .none
            )
            #expect(tank.createdAt != nil && tank.levelSensorID == f.valves[0] && tank.code == "TANK-A")
            #expect(try await store.mixTank(tank.id, in: f.scope) == tank)
            let product = try await store.createNutrientProduct(
                NutrientProduct(siteID: f.site, code: "CALMAG", name: "Cal-Mag", manufacturer: "Acme"),
                in: f.scope,
                audit: .none
            )
            let channel = try await store.createInjectorChannel(
                InjectorChannel(
                    siteID: f.site,
                    mixTankID: tank.id,
                    channel: 2,
                    nutrientProductID: product.id,
                    mlPerLiter: 1.5,
                    pumpID: f.valves[1]
                ),
                in: f.scope,
                audit: .none
            )
            #expect(channel.nutrientProductID == product.id && channel.mlPerLiter == 1.5)
            let first = try await store.createInjectorChannel(
                InjectorChannel(siteID: f.site, mixTankID: tank.id, channel: 1),
                in: f.scope,
                audit: .none
            )
            let listed = try await store.listInjectorChannels(
                mixTankID: tank.id,
                in: f.scope,
                page: try PageRequest(size: 1)
            )
            #expect(listed.items.map(\.channel) == [1] && listed.nextToken != nil)
            let rest = try await store.listInjectorChannels(
                mixTankID: tank.id,
                in: f.scope,
                page: try PageRequest(size: 5, token: listed.nextToken)
            )
            #expect(rest.items == [channel] && rest.nextToken == nil)

            // A channel number once per tank; ranges as the table's CHECKs; references of the site only.
            let twice = await #expect(throws: DomainError.self) {
                try await store.createInjectorChannel(
                    InjectorChannel(siteID: f.site, mixTankID: tank.id, channel: 2),
                    in: f.scope,
                    audit: .none
                )
            }
            #expect(twice?.code == .alreadyExists)
            let range = await #expect(throws: DomainError.self) {
                try await store.createMixTank(
                    MixTank(siteID: f.site, code: "TANK-B", name: "B", capacityLiters: 2_000_000),
                    in: f.scope,
                    audit: .none
                )
            }
            #expect(range?.metadata["field"] == "mix_tank.capacity_liters")
            let other = try await IrrigationFixture.make(in: db, tenant: f.tenant, site: 1)
            let foreign = await #expect(throws: DomainError.self) {
                try await store.createMixTank(
                    MixTank(
                        siteID: f.site,
                        code: "TANK-C",
                        name: "C",
                        capacityLiters: 10,
                        levelSensorID: other.valves[0]
                    ),
                    in: f.tenant.scope,
                    audit: .none
                )
            }
            #expect(foreign?.metadata["field"] == "mix_tank.level_sensor")

            var changedTank = tank
            changedTank.name = "Feed A (new)"
            changedTank.capacityLiters = 1_200
            changedTank.levelSensorID = nil
            let updatedTank = try await store.updateMixTank(changedTank, in: f.scope, audit: .none)
            #expect(
                updatedTank.name == "Feed A (new)" && updatedTank.levelSensorID == nil && updatedTank.code == "TANK-A"
            )
            var changedProduct = product
            changedProduct.manufacturer = nil
            #expect(
                try await store.updateNutrientProduct(changedProduct, in: f.scope, audit: .none).manufacturer == nil
            )
            var changedChannel = first
            changedChannel.channel = 3
            changedChannel.mlPerLiter = 0
            #expect(try await store.updateInjectorChannel(changedChannel, in: f.scope, audit: .none).channel == 3)

            // In use: the product by channel 2, the tank by the group.
            let productInUse = await #expect(throws: DomainError.self) {
                try await store.deleteNutrientProduct(product.id, in: f.scope, audit: .none)
            }
            #expect(productInUse?.code == .failedPrecondition && productInUse?.reason == "NUTRIENT_PRODUCT_IN_USE")
            #expect(productInUse?.metadata["injector_channel_id"] == channel.id.uuidString.lowercased())
            var drawing = f.group
            drawing.mixTankID = tank.id
            #expect(try await store.updateGroup(drawing, in: f.scope, audit: .none).mixTankID == tank.id)
            let tankInUse = await #expect(throws: DomainError.self) {
                try await store.deleteMixTank(tank.id, in: f.scope, audit: .none)
            }
            #expect(tankInUse?.code == .failedPrecondition && tankInUse?.reason == "MIX_TANK_IN_USE")
            #expect(tankInUse?.metadata["group_id"] == f.group.id.uuidString.lowercased())
            #expect(try await store.updateGroup(f.group, in: f.scope, audit: .none).mixTankID == nil)

            // Another tenant: nothing visible, nothing deletable.
            let stranger = try await TestTenant.make(in: db)
            let hidden = await #expect(throws: DomainError.self) {
                try await store.mixTank(tank.id, in: stranger.scope)
            }
            #expect(hidden?.code == .notFound)
            await #expect(throws: DomainError.self) {
                try await store.deleteNutrientProduct(product.id, in: stranger.scope, audit: .none)
            }

            // The tank goes with its channels; then the product is free.
            try await store.deleteMixTank(tank.id, in: f.scope, audit: .none)
            let gone = await #expect(throws: DomainError.self) {
                try await store.injectorChannel(channel.id, in: f.scope)
            }
            #expect(gone?.code == .notFound)
            try await store.deleteNutrientProduct(product.id, in: f.scope, audit: .none)
            #expect(try await store.listNutrientProducts(siteID: f.site, in: f.scope, page: .first).items.isEmpty)

            let audited = try await db.owner.query(
                """
                SELECT action FROM audit_logs
                WHERE resource_type IN ('mix_tank', 'nutrient_product', 'injector_channel') ORDER BY seq
                """
            )
            #expect(
                try audited.map { try $0.decode("action", as: String.self) } == [
                    "mix_tank.create", "nutrient_product.create", "injector_channel.create", "injector_channel.create",
                    "mix_tank.update", "nutrient_product.update", "injector_channel.update", "mix_tank.delete",
                    "nutrient_product.delete",
                ]
            )
        }
    }

    /// Several interlock sources set in one transaction: a device state and a stream, one removed; a device of
    /// another site is refused naming the input's field, and nothing of that request is stored.
    /// Six managers each add one required input at once: every one of them is kept (no update undoes another).
    @Test func irrigationSettingsConcurrentUpdatesKeepEveryChange() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let repository = f.irrigation
            let site = f.site
            let scope = f.scope
            _ = try await repository.updateSettings(siteID: site, in: scope, audit: .none) { stored in
                var cleared = stored
                cleared.policy.requiredInputs = []
                return cleared
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for input in InterlockInput.allCases {
                    group.addTask {
                        _ = try await repository.updateSettings(siteID: site, in: scope, audit: .none) { stored in
                            var changed = stored
                            changed.policy.requiredInputs.insert(input)
                            return changed
                        }
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await repository.settings(siteID: site, in: scope)
            #expect(stored.policy.requiredInputs == Set(InterlockInput.allCases))
        }
    }

    @Test func irrigationInterlockSourcesSetTogether() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let stream = try await PostgresTelemetryRepository(client: db.service).createStream(
                NewSensorStream(siteID: f.site, deviceID: f.valves[1], key: "feed_ec", type: .ec),
                in: f.scope,
                audit: .none
            )
            let set = try await f.irrigation.setInterlockSources(
                [.eStop: .deviceState(deviceID: f.valves[0], property: "estop"), .ec: .stream(stream.id)],
                groupID: f.group.id,
                in: f.scope,
                audit: .none
            )
            #expect(set == [.eStop: .deviceState(deviceID: f.valves[0], property: "estop"), .ec: .stream(stream.id)])
            let other = try await IrrigationFixture.make(in: db, tenant: f.tenant, site: 1)
            let refused = await #expect(throws: DomainError.self) {
                try await f.irrigation.setInterlockSources(
                    [.ec: nil, .door: .deviceState(deviceID: other.valves[0], property: "door")],
                    groupID: f.group.id,
                    in: f.tenant.scope,
                    audit: .none
                )
            }
            #expect(refused?.metadata["field"] == "interlock_sources.door.device_state.device")
            #expect(try await f.irrigation.interlockSources(groupID: f.group.id, in: f.scope) == set)
            let removed = try await f.irrigation.setInterlockSources(
                [.ec: nil],
                groupID: f.group.id,
                in: f.scope,
                audit: .none
            )
            #expect(removed == [.eStop: .deviceState(deviceID: f.valves[0], property: "estop")])
            let audited = try await db.owner.query(
                "SELECT action FROM audit_logs WHERE action LIKE 'irrigation_interlock_source.%' ORDER BY seq"
            )
            #expect(
                try audited.map { try $0.decode("action", as: String.self) } == [
                    "irrigation_interlock_source.set", "irrigation_interlock_source.set",
                    "irrigation_interlock_source.delete",
                ]
            )
        }
    }
}
