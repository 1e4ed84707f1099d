import Simulator
import Testing

/// 2026-06-01 00:00 UTC.
let midnight = SimInstant(secondsSinceEpoch: 1_780_272_000)

func inverter(
    at hour: Int,
    _ configure: (inout SungrowInverterConfiguration) -> Void = { _ in }
) throws -> SungrowInverter {
    var configuration = try SungrowInverterConfiguration()
    configure(&configuration)
    return SungrowInverter(configuration: configuration, start: midnight + .seconds(hour * 3600))
}

@Suite("SungrowInverter")
struct SungrowInverterTests {
    @Test func pvFollowsTheDayAndPeaksAtSolarNoon() throws {
        let curve = try inverter(at: 0).pvCurve
        #expect(curve.power(at: midnight + .seconds(3 * 3600)) == 0)
        #expect(curve.power(at: midnight + .seconds(22 * 3600)) == 0)
        let noon = curve.power(at: midnight + .seconds(13 * 3600))
        #expect(abs(noon - 9_000) < 0.001)
        #expect(curve.power(at: midnight + .seconds(9 * 3600)) < noon)
    }

    @Test func theBatteryChargesByDayAndDischargesAtNight() throws {
        var day = try inverter(at: 12) { $0.initialStateOfCharge = 0.2 }
        #expect(day.flows.workState == .run && day.flows.batteryW == 5_000)
        day.advance(to: day.now + .seconds(3600))
        // PV stays above load + 5 kW all hour, so the battery charges at its 5 kW maximum throughout.
        #expect(abs(day.stateOfCharge - (0.2 + 5_000.0 / 9_600)) < 1e-9)
        #expect(day.dailyPVWh > 8_000)

        var night = try inverter(at: 23)
        #expect(night.flows.workState == .standby && night.flows.pvW == 0 && night.flows.batteryW == -1_500)
        #expect(night.flows.exportW == 0)
        night.advance(to: night.now + .seconds(3600))
        #expect(abs(night.stateOfCharge - (0.5 - 1_500.0 / 9_600)) < 1e-9)
    }

    @Test func theBatteryStopsAtItsReserveAndImportsFromTheGrid() throws {
        var night = try inverter(at: 0) { $0.initialStateOfCharge = 0.1 }
        #expect(night.flows.batteryW == 0 && night.flows.exportW == -1_500)
        night.advance(to: night.now + .seconds(600))
        #expect(night.stateOfCharge == 0.1)
    }

    @Test func emergencyStopAndFaultCutOutput() throws {
        var model = try inverter(at: 12)
        model.setEmergencyStop(true)
        #expect(model.flows.workState == .emergencyStop && model.flows.pvW == 0 && model.flows.batteryW == 0)
        model.setEmergencyStop(false)
        model.latchFault("grid-overvoltage")
        #expect(model.flows.workState == .fault && model.flows.pvW == 0)
        model.clearFault()
        #expect(model.flows.workState == .run)
    }

    @Test func startStopAndPowerLimitationRegistersChangeBehaviour() throws {
        var model = try inverter(at: 13)
        try model.write(wireAddress: 5005, values: [0xCE])
        #expect(model.flows.workState == .stop && model.flows.pvW == 0)
        try model.write(wireAddress: 5005, values: [0xCF, 0xAA, 300])
        #expect(model.flows.workState == .deratingRun)
        #expect(model.flows.pvW == 3_000)
        try model.write(wireAddress: 5006, values: [0x55])
        #expect(model.flows.workState == .run && abs(model.flows.pvW - 9_000) < 0.001)
    }

    @Test(arguments: [
        (5005, [UInt16(0x01)], "start_stop"),
        (5006, [UInt16(0xAB)], "power_limitation_switch"),
        (5007, [UInt16(1001)], "power_limitation_setting"),
        (5008, [UInt16(1)], "address"),
        (5005, [UInt16(0xCE), 0xAA, 2000], "power_limitation_setting"),
    ])
    func badWritesNameTheFieldAndChangeNothing(address: Int, values: [UInt16], field: String) throws {
        var model = try inverter(at: 13)
        #expect(throws: SungrowInverterError.self) { try model.write(wireAddress: address, values: values) }
        do { try model.write(wireAddress: address, values: values) } catch { #expect(error.field == field) }
        #expect(model.isStarted && !model.powerLimitationEnabled)
    }

    @Test func theDailyYieldRestartsAtLocalMidnight() throws {
        var model = try inverter(at: 12)
        model.advance(to: midnight + .seconds(23 * 3600))
        let total = model.totalPVWh
        #expect(model.dailyPVWh > 30_000)
        model.advance(to: midnight + .seconds(25 * 3600))
        #expect(model.dailyPVWh == 0)
        #expect(model.totalPVWh == total)
    }

    @Test func badConfigurationNamesTheField() {
        do {
            _ = try SungrowInverterConfiguration(mpptCount: 4)
            Issue.record("mpptCount 4 was accepted")
        } catch {
            #expect(error.field == "mpptCount")
        }
        #expect(throws: SungrowInverterError.self) { try SungrowInverterConfiguration(sunriseSecond: 80_000) }
    }
}
