import Fieldbus

extension SungrowInverter {
    /// Every register's physical value now, by register name (in the map's units); nil for an absent MPPT.
    public func physicalValues() -> [String: Double?] {
        let config = self.configuration
        let flows = self.flows
        let perMPPT = flows.pvW / Double(config.mpptCount)
        let mpptVoltage = perMPPT > 0 ? 300 + 80 * flows.pvW / max(config.pvPeakW, 1) : 0
        let batteryVoltage = 360 + 40 * self.stateOfCharge
        var values: [String: Double?] = [
            "device_type_code": Double(config.deviceTypeCode),
            "nominal_output_power": config.nominalPowerW / 1000,
            "inside_temperature": 25 + 15 * flows.pvW / config.nominalPowerW,
            "total_dc_power": flows.pvW,
            "work_state": Double(flows.workState.rawValue),
            "daily_pv_generation": self.dailyPVWh / 1000,
            "total_pv_generation": self.totalPVWh / 1000,
            "load_power": flows.loadW,
            "export_power": flows.exportW,
            "battery_voltage": batteryVoltage,
            "battery_current": abs(flows.batteryW) / batteryVoltage,
            "battery_power": abs(flows.batteryW),
            "battery_level": self.stateOfCharge * 100,
            "battery_state_of_health": 98.5,
            "battery_temperature": 22,
            "total_active_power": flows.acOutputW,
            "start_stop": Double(self.isStarted ? SungrowCommandValue.start : SungrowCommandValue.stop),
            "power_limitation_switch": Double(
                self.powerLimitationEnabled
                    ? SungrowCommandValue.limitationEnabled : SungrowCommandValue.limitationDisabled
            ),
            "power_limitation_setting": Double(self.powerLimitationPermille) / 10,
        ]
        for mppt in 1...3 {
            let present = mppt <= config.mpptCount
            values["mppt\(mppt)_voltage"] = present ? mpptVoltage : nil
            values["mppt\(mppt)_current"] = present ? (mpptVoltage > 0 ? perMPPT / mpptVoltage : 0) : nil
        }
        return values
    }

    /// Every register of `map` encoded, by table and wire address.
    public func registerWords(
        map: SungrowRegisterMap = .standard
    ) -> [SungrowRegister.Table: [Int: UInt16]] {
        let values = self.physicalValues()
        var words: [SungrowRegister.Table: [Int: UInt16]] = [.input: [:], .holding: [:]]
        for register in map.registers {
            let encoded = SungrowRegisterEncoding.words(for: register, value: values[register.name] ?? nil)
            for (offset, word) in encoded.enumerated() {
                words[register.table, default: [:]][register.wireAddress + offset] = word
            }
        }
        return words
    }

    /// A write to holding registers from wire address `wireAddress` on: validated as a whole, then applied.
    public mutating func write(
        wireAddress: Int,
        values: [UInt16],
        map: SungrowRegisterMap = .standard
    ) throws(SungrowInverterError) {
        var changes: [(String, UInt16)] = []
        for (offset, value) in values.enumerated() {
            let address = wireAddress + offset
            guard let register = map.registers.first(where: { $0.table == .holding && $0.wireAddress == address })
            else {
                throw SungrowInverterError(field: "address", message: "no holding register at wire address \(address)")
            }
            switch register.name {
            case "start_stop":
                guard value == SungrowCommandValue.start || value == SungrowCommandValue.stop else {
                    throw SungrowInverterError(field: "start_stop", message: "must be 0xCF (start) or 0xCE (stop)")
                }
            case "power_limitation_switch":
                guard value == SungrowCommandValue.limitationEnabled || value == SungrowCommandValue.limitationDisabled
                else {
                    throw SungrowInverterError(
                        field: "power_limitation_switch",
                        message: "must be 0xAA (enable) or 0x55 (disable)"
                    )
                }
            case "power_limitation_setting":
                guard value <= 1000 else {
                    throw SungrowInverterError(field: "power_limitation_setting", message: "must be 0...1000 (0.1 %)")
                }
            default:
                throw SungrowInverterError(field: register.name, message: "is not writable")
            }
            changes.append((register.name, value))
        }
        for (name, value) in changes {
            switch name {
            case "start_stop": self.isStarted = value == SungrowCommandValue.start
            case "power_limitation_switch": self.powerLimitationEnabled = value == SungrowCommandValue.limitationEnabled
            default: self.powerLimitationPermille = value
            }
        }
    }
}
