import ArgumentParser
import Fieldbus
import Foundation
import Logging
import Simulator

/// `sim run`'s inverter: a `SimulatedInverter` (Sungrow hybrid, default `SungrowInverterConfiguration`) served over
/// Modbus TCP on 127.0.0.1 for the length of the run, stepped on the simulation's clock; the target of Modbus faults.
struct SimInverterOptions: ParsableArguments {
    @Option(
        help: """
            Host the simulated Sungrow inverter over Modbus TCP on 127.0.0.1 at this port (0 picks a free one); \
            without it the run has no inverter and Modbus faults are refused.
            """
    )
    var inverterPort: Int?
    @Flag(help: "The inverter answers as behind a WiNet-S dongle (docs/simulator.md \"WiNet-S mode\").")
    var inverterWinet = false

    /// How often the inverter is stepped to the simulation's clock, in real time.
    static let followInterval: Duration = .milliseconds(100)

    func validate() throws {
        if let port = self.inverterPort, !(0...65_535).contains(port) {
            throw ValidationError("--inverter-port must be 0...65535 (got \(port))")
        }
        if self.inverterWinet, self.inverterPort == nil {
            throw ValidationError("--inverter-winet needs --inverter-port")
        }
    }

    /// Starts the inverter's server at `start` on the simulation's clock and prints its address; nil without
    /// `--inverter-port`. It is the site spec's first `inverter` device when there is one (named in the line).
    func start(spec: SiteSpec, start: SimInstant, logger: Logger) throws -> SimulatedInverter? {
        guard let port = self.inverterPort else { return nil }
        var logger = logger
        logger[metadataKey: "component"] = "inverter"
        let inverter: SimulatedInverter
        do {
            inverter = try SimulatedInverter(
                configuration: try SungrowInverterConfiguration(),
                start: start,
                server: try ModbusServerConfiguration(host: "127.0.0.1", port: port),
                wiNetS: self.inverterWinet ? WiNetSLimits() : nil,
                logger: logger
            )
        } catch let error as ModbusError {
            throw SimInverterError(description: "--inverter-port \(port): cannot serve the inverter: \(error.message)")
        }
        let device = spec.devices.first { $0.kind == .inverter }
        let identity = device.map { " \($0.code) (device \($0.id))" } ?? ""
        let mode = self.inverterWinet ? ", WiNet-S" : ""
        print("inverter\(identity) (Modbus TCP\(mode), any unit id) on 127.0.0.1:\(inverter.port)")
        fflush(nil)
        return inverter
    }

    /// Runs `body` while `inverter` follows `clock` (its PV, battery and counters step to the simulation's instant
    /// every `followInterval`), then stops its server, also when `body` throws.
    static func hosting(
        _ inverter: SimulatedInverter?,
        clock: @escaping @Sendable () -> SimInstant,
        _ body: () async throws -> Void
    ) async throws {
        guard let inverter else { return try await body() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        inverter.advance(to: clock())
                        try? await Task.sleep(for: Self.followInterval)
                    }
                }
                defer { group.cancelAll() }
                try await body()
            }
        } catch {
            await inverter.stop()
            throw error
        }
        await inverter.stop()
    }
}

/// The inverter could not be served (its port is taken, ...).
struct SimInverterError: Error, CustomStringConvertible {
    var description: String
}
