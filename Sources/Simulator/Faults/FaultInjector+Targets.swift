extension FaultInjector {
    /// The devices a device fault goes to, each checked by the device target; empty for other faults (whose
    /// targets are checked here too).
    func resolveDevices(_ request: FaultRequest) async throws(FaultError) -> [DeviceID] {
        switch request.effect {
        case .device, .restorePower:
            guard let target = self.targets.devices else {
                throw FaultError(.targetUnavailable, "this simulator has no simulated devices")
            }
            let devices: [DeviceID]
            switch request.target {
            case .device(let id):
                devices = [id]
            case .deviceGroup(let group):
                guard let members = await target.devices(inGroup: group), !members.isEmpty else {
                    throw .invalid("fault.target", "no device group '\(group.prefix(60))' with devices")
                }
                devices = members
            case .broker, .inverter:
                devices = []
            }
            for device in devices {
                for fault in Self.deviceFaults(of: request.effect) {
                    if let problem = await target.problem(applying: fault, to: device) {
                        var violation = request.effect.violation(forProblem: problem)
                        violation.description += " (device \(device.prefix(60)))"
                        throw .invalid([violation])
                    }
                }
            }
            return devices
        case .network:
            guard let target = self.targets.network else {
                throw FaultError(
                    .targetUnavailable,
                    "this simulator runs no fault proxy in front of its device groups "
                        + "(`harvestry sim run --no-fault-proxies`)"
                )
            }
            if case .deviceGroup(let group) = request.target, await !target.hasProxy(forGroup: group) {
                throw .invalid("fault.target", "device group '\(group.prefix(60))' has no fault proxy")
            }
            return []
        case .broker:
            guard self.targets.broker != nil else {
                throw FaultError(
                    .targetUnavailable,
                    "this simulator does not own the broker process "
                        + "(it was given --mqtt-url; broker faults need the embedded broker)"
                )
            }
            return []
        case .modbus:
            guard self.targets.modbus != nil else {
                throw FaultError(
                    .targetUnavailable,
                    "this simulator runs no inverter (`harvestry sim run` hosts one with --inverter-port)"
                )
            }
            return []
        }
    }

    /// Applies a new fault to its target(s).
    func apply(_ record: InjectedFault, at now: SimInstant) async throws(FaultError) {
        let name = "fault-\(record.id)"
        switch record.request.effect {
        case .device, .restorePower:
            for device in record.devices {
                for fault in Self.deviceFaults(of: record.request.effect) {
                    await self.targets.devices?.apply(fault, to: device, at: now)
                }
            }
        case .network(let toxic):
            guard case .deviceGroup(let group) = record.request.target else { return }
            do {
                try await self.targets.network?.addToxic(toxic, named: name, group: group)
            } catch {
                throw Self.failure(error, prefix: "fault.network")
            }
        case .broker(let action):
            do {
                try await self.targets.broker?.killBroker()
                if action == .restart { try await self.targets.broker?.startBroker() }
            } catch {
                throw Self.failure(error, prefix: "fault.broker")
            }
        case .modbus(let spec):
            do {
                try await self.targets.modbus?.setModbusFault(named: name, spec)
            } catch {
                throw Self.failure(error, prefix: "fault.modbus")
            }
        }
    }

    /// Undoes an ended fault. A sensor fault, `offline` or `tankLow` is undone by restoring the device, which
    /// clears all three kinds: the device's other active faults of those kinds are applied again (a drift starts
    /// afresh from then).
    /// Returns why the undo failed, when a target refused it.
    func undo(_ record: InjectedFault, at now: SimInstant) async -> String? {
        let name = "fault-\(record.id)"
        switch record.request.effect {
        case .device(let fault):
            guard let undoing = fault.undoing, let target = self.targets.devices else { return nil }
            for device in record.devices {
                await target.apply(undoing, to: device, at: now)
                guard undoing == .restore else { continue }
                for other in self.book.active(on: device, except: record.id) {
                    if case .device(let again) = other.request.effect, again.undoing == .restore {
                        await target.apply(again, to: device, at: now)
                    }
                }
            }
        case .restorePower:
            return nil
        case .network:
            guard case .deviceGroup(let group) = record.request.target else { return nil }
            await self.targets.network?.removeToxic(named: name, group: group)
        case .broker(let action):
            guard action == .kill else { return nil }
            do {
                try await self.targets.broker?.startBroker()
            } catch {
                return "starting the broker failed: \(error)"
            }
        case .modbus:
            await self.targets.modbus?.clearModbusFault(named: name)
        }
        return nil
    }

    static func deviceFaults(of effect: InjectedEffect) -> [DeviceFault] {
        switch effect {
        case .device(let fault): [fault]
        case .restorePower: [.poeRestored, .acRestored]
        default: []
        }
    }

    private static func failure(_ error: FaultTargetError, prefix: String) -> FaultError {
        guard let field = error.field else { return FaultError(.targetFailed, error.message) }
        return .invalid("\(prefix).\(field)", error.message)
    }
}
