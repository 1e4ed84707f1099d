import Testing

@testable import Simulator

/// A site of `blocks` x 25 devices: per block a controller with 1 HL and 3 STD valves (a zone each), a pump and a
/// tank, 8 substrate sensors (2 per zone) and 10 climate sensors, all sampling at 1 Hz.
enum ScaleFixture {
    static func spec(blocks: Int) -> SiteSpec {
        var zones: [ZoneSpec] = []
        var devices: [DeviceSpec] = []
        for block in 0..<blocks {
            let controller = "ctl-\(block)"
            devices.append(DeviceSpec(id: controller, code: "CTL-\(block)", kind: .irrigationController))
            for zone in 0..<4 {
                let zoneID = "z-\(block)-\(zone)"
                zones.append(ZoneSpec(id: zoneID, code: zoneID))
                devices.append(
                    DeviceSpec(
                        id: "v-\(block)-\(zone)",
                        code: "V",
                        kind: .valve,
                        zone: zoneID,
                        loadClass: zone == 0 ? .highLoad : .standard,
                        controller: controller
                    )
                )
                for probe in 0..<2 {
                    devices.append(
                        DeviceSpec(
                            id: "s-\(block)-\(zone)-\(probe)",
                            code: "S",
                            kind: .substrateSensor,
                            zone: zoneID
                        )
                    )
                }
            }
            devices.append(DeviceSpec(id: "p-\(block)", code: "P", kind: .pump, controller: controller))
            devices.append(DeviceSpec(id: "t-\(block)", code: "T", kind: .tankLevel, controller: controller))
            for climate in 0..<10 {
                devices.append(DeviceSpec(id: "c-\(block)-\(climate)", code: "C", kind: .climateSensor))
            }
        }
        return SiteSpec(site: "scale", zones: zones, devices: devices)
    }
}

@Suite struct SiteSimulationScaleTests {
    /// 10k devices, a simulated minute with every controller running a program: every sensor samples once a second.
    /// Prints the throughput (a measurement, not an assertion: debug builds and a shared machine vary).
    @Test func tenThousandDevicesAtOneHertz() {
        let blocks = 400
        let spec = ScaleFixture.spec(blocks: blocks)
        #expect(spec.devices.count == 10_000)
        let start = ModelsFixture.start
        var site = SiteSimulation(spec: spec, seed: 11, start: start)
        for block in 0..<blocks {
            let command = SimCommand(
                id: "p\(block)",
                idempotencyKey: "p\(block)",
                device: "ctl-\(block)",
                name: "program.start",
                parameters: ["steps": "v-\(block)-1:20;v-\(block)-2:20;v-\(block)-0:20"],
                expireTime: start + .seconds(5)
            )
            _ = site.receive(command, at: start)
        }
        let clock = ContinuousClock()
        var readings = 0
        var switches = 0
        var buffer: [Emission] = []
        buffer.reserveCapacity(40_000)
        let elapsed = clock.measure {
            for second in 1...60 {
                buffer.removeAll(keepingCapacity: true)
                site.advance(to: start + .seconds(Int64(second)), into: &buffer)
                for emission in buffer {
                    switch emission.kind {
                    case .reading: readings += 1
                    case .outputChanged: switches += 1
                    default: break
                    }
                }
            }
        }
        let sensors = spec.devices.count { [.climateSensor, .substrateSensor, .tankLevel].contains($0.kind) }
        #expect(readings >= sensors * 59 * 3)  // each sensor at least 59 samples of 2-4 streams in the minute
        #expect(switches >= blocks * 6)  // three steps: the valves and the pump
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "scale: \(spec.devices.count) devices, 60 simulated s in \(elapsed): "
                + "\(Int(Double(spec.devices.count) * 60 / seconds)) device-samples/s, \(Int(Double(readings) / seconds)) readings/s"
        )
    }
}
