import Testing

@testable import Simulator

@Suite struct SensorModelTests {
    let t0 = ModelsFixture.start

    @Test func vpdMatchesAHandComputedValue() {
        // 25 degC: SVP = 0.61078 e^(17.27*25/262.3) = 0.61078 * 5.18657 = 3.16784 kPa; at 60 % RH VPD = 1.26714 kPa.
        #expect(abs(ClimateModel.vpd(temperature: 25, humidity: 60) - 1.26714) < 0.0005)
        #expect(abs(ClimateModel.saturationVapourPressure(temperature: 0) - 0.61078) < 1e-9)
    }

    @Test(arguments: [-30.0, -1.5, 0, 0.5, 1, 2.302585092994046, 10, 100])
    func pureExpMatchesTheSeries(x: Double) {
        // e^x by the product of e^(x/n)'s first-order Taylor steps would be coarse; compare with known values instead.
        let known: [Double: Double] = [
            -30: 9.357622968840175e-14, -1.5: 0.22313016014842982, 0: 1, 0.5: 1.6487212707001282,
            1: 2.718281828459045, 2.302585092994046: 10, 10: 22026.465794806718, 100: 2.6881171418161356e43,
        ]
        let expected = known[x]!
        #expect(abs(SimMath.exp(x) - expected) <= 1e-14 * expected)
    }

    @Test func moistureRisesWhileTheValveRunsAndDriesBackAfter() {
        var model = SubstrateModel(start: self.t0, moisture: 40, ec: 3.0)
        model.integrate(to: self.t0 + .seconds(300), wet: true)
        #expect(model.moisture > 60)  // five wetting time constants toward 65 %
        #expect(abs(model.ec - 2.2) < 0.2)  // toward the feed's EC (0.8 e^(-300/180) = 0.151 left)
        let wetMoisture = model.moisture
        let wetEC = model.ec
        model.integrate(to: self.t0 + .seconds(300 + 3600), wet: false)
        #expect(model.moisture < wetMoisture - 5)
        #expect(model.moisture > 15)
        #expect(model.ec > wetEC)  // concentrates as it dries
    }

    @Test func substrateIntegrationDoesNotDependOnTheSampleInterval() {
        var once = SubstrateModel(start: self.t0)
        var often = SubstrateModel(start: self.t0)
        once.integrate(to: self.t0 + .seconds(600), wet: true)
        for second in 1...600 { often.integrate(to: self.t0 + .seconds(Int64(second)), wet: true) }
        #expect(abs(once.moisture - often.moisture) < 1e-9)
    }

    @Test func tankDrainsWhilePumpsRunAndRefillsBelowTheThreshold() {
        var tank = TankModel(start: self.t0, level: 80)
        tank.integrate(to: self.t0 + .seconds(100), pumps: 1)
        #expect(abs(tank.level - 75) < 1e-9)  // 0.05 %/s
        tank.integrate(to: self.t0 + .seconds(200), pumps: 0)
        #expect(abs(tank.level - 75) < 1e-9)  // idle: unchanged
        tank.integrate(to: self.t0 + .seconds(200 + 1200), pumps: 1)  // 1000 s down to 25 %, then refilling
        #expect(tank.refilling)
        #expect(abs(tank.level - 23) < 1e-9)  // net -0.01 %/s for 200 s once refilling
        tank.integrate(to: self.t0 + .seconds(200 + 1000 + 5000), pumps: 0)
        #expect(abs(tank.level - 95) < 1e-9)
        #expect(!tank.refilling)
    }

    @Test func climateFollowsTheDayNightCycle() {
        var rng = SimRandom(seed: 1)
        let midnight = self.t0 + .seconds(16 * 3600)  // 03:00 UTC the next day: lights off
        var model = ClimateModel(start: self.t0)
        var values: [String: Double] = [:]
        model.sample(at: midnight, rng: &rng) { key, value, _ in values[key] = value }
        #expect(abs(values["temperature"]! - 21) < 0.5)
        #expect(abs(values["humidity"]! - 70) < 1)
        #expect(
            abs(values["vpd"]! - ClimateModel.vpd(temperature: values["temperature"]!, humidity: values["humidity"]!))
                < 1e-12
        )
        #expect(ClimateModel.isDay(self.t0, .init()))
        #expect(!ClimateModel.isDay(midnight, .init()))
    }

    @Test func streamsUseTheIngestKeysAndCanonicalUnits() {
        var rng = SimRandom(seed: 2)
        var units: [String: String] = [:]
        var climate = ClimateModel(start: self.t0)
        climate.sample(at: self.t0 + .seconds(1), rng: &rng) { key, _, unit in units[key] = unit }
        var substrate = SubstrateModel(start: self.t0)
        substrate.sample(at: self.t0 + .seconds(1), wet: false, rng: &rng) { key, _, unit in units[key] = unit }
        #expect(
            units == [
                "temperature": "degC", "humidity": "%", "co2": "ppm", "vpd": "kPa", "ec": "mS/cm",
                "ph": "pH", "moisture": "%",
            ]
        )
    }
}

@Suite struct SimRandomTests {
    @Test func aSeedReproducesTheSequence() {
        var a = SimRandom(seed: 42)
        var b = SimRandom(seed: 42)
        var c = SimRandom(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func deviceStreamsDependOnlyOnSeedAndDevice() {
        var a = SimRandom.stream(seed: 7, device: "dev-a")
        var again = SimRandom.stream(seed: 7, device: "dev-a")
        var other = SimRandom.stream(seed: 7, device: "dev-b")
        let values = (0..<10).map { _ in a.next() }
        #expect(values == (0..<10).map { _ in again.next() })
        #expect(values != (0..<10).map { _ in other.next() })
    }

    @Test func unitAndGaussianStayInRangeWithPlausibleMoments() {
        var rng = SimRandom(seed: 9)
        var sum = 0.0
        var squares = 0.0
        for _ in 0..<20_000 {
            let u = rng.unit()
            #expect(u >= 0 && u < 1)
            let g = rng.gaussian()
            sum += g
            squares += g * g
        }
        #expect(abs(sum / 20_000) < 0.05)
        #expect(abs(squares / 20_000 - 1) < 0.05)
    }
}
