extension SiteSimulation {
    /// Puts `device` in the due-queue at `instant` (replacing any earlier schedule of it).
    mutating func schedule(_ device: Int, at instant: SimInstant) {
        let due = instant.nanosecondsSinceEpoch
        guard self.scheduled[device] != due else { return }
        self.scheduled[device] = due
        guard due != .max else { return }
        self.queue.push(.init(due: due, device: Int32(device)))
    }

    /// Samples a sensor at `now`: physics to `now`, faults on what it reports, a tank's level to its controller.
    mutating func sample(_ index: Int, at now: SimInstant, into out: inout [Emission]) {
        var sensor = self.sensors[index]
        let id = self.specs[sensor.device].id
        let silent = self.offline[sensor.device]
        var stream = 0
        var last = sensor.last
        let faults = sensor.faults
        var faultRng = sensor.faultRng
        func report(_ key: String, _ value: Double, _ unit: String) {
            defer { stream += 1 }
            let previous = last[stream]
            guard
                let shown = faults.filter(
                    stream: key,
                    value: value,
                    last: previous.isNaN ? nil : previous,
                    at: now,
                    rng: &faultRng
                )
            else { return }
            last[stream] = shown
            guard !silent else { return }
            out.append(Emission(device: id, at: now, kind: .reading(stream: key, value: shown, unit: unit)))
        }
        var tankLevel: (level: Double, controller: Int)?
        switch sensor.model {
        case .climate(var model):
            model.sample(at: now, rng: &sensor.rng, report: report)
            sensor.model = .climate(model)
        case .substrate(var model, let zone):
            let wet = zone.map { self.openValvesByZone[$0] > 0 } ?? false
            model.sample(at: now, wet: wet, rng: &sensor.rng, report: report)
            sensor.model = .substrate(model, zone: zone)
        case .tank(var model, let controller):
            model.integrate(to: now, pumps: controller.map { self.pumpsOnByController[$0] } ?? 0)
            sensor.model = .tank(model, controller: controller)
            let level = sensor.injectedLow ? 5.0 : model.level
            report(SensorStreams.level, level + 0.05 * sensor.rng.gaussian(), SensorStreams.percent)
            report(
                SensorStreams.pressure,
                level / 100 * model.parameters.heightMetres * 9.806_65,
                SensorStreams.kilopascal
            )
            if let controller { tankLevel = (model.level, controller) }
        }
        sensor.last = last
        sensor.faultRng = faultRng
        self.sensors[index] = sensor
        if let tankLevel {
            self.withController(tankLevel.controller, into: &out) {
                $0.tankLevel(tankLevel.level, tank: id, at: now, into: &$1)
            }
        }
    }

    /// Runs `body` on a controller, then couples the outputs it switched into the physics, hides what an offline
    /// device would have published (ground truth stays), and reschedules the controller.
    mutating func withController(
        _ index: Int,
        into out: inout [Emission],
        _ body: (inout IrrigationController, inout [Emission]) -> Void
    ) {
        let mark = out.count
        body(&self.controllers[index], &out)
        var kept = mark
        for position in mark..<out.count {
            let emission = out[position]
            if case .outputChanged(_, let isOn) = emission.kind, let device = self.indexByID[emission.device] {
                self.outputSwitched(device, isOn: isOn, at: emission.at)
            } else if let device = self.indexByID[emission.device], self.offline[device] {
                continue
            }
            out[kept] = emission
            kept += 1
        }
        out.removeSubrange(kept..<out.count)
        guard let device = self.indexByID[self.controllers[index].id] else { return }
        self.schedule(device, at: self.controllers[index].nextDue)
    }

    /// Physics up to `now` under the old output state, then the new state.
    private mutating func outputSwitched(_ device: Int, isOn: Bool, at now: SimInstant) {
        guard case .output(let controller, let zone, let isPump) = self.roles[device] else { return }
        let delta = isOn ? 1 : -1
        if isPump, let controller {
            for sensor in self.tanksByController[controller] {
                guard case .tank(var model, let owner) = self.sensors[sensor].model else { continue }
                model.integrate(to: now, pumps: self.pumpsOnByController[controller])
                self.sensors[sensor].model = .tank(model, controller: owner)
            }
            self.pumpsOnByController[controller] += delta
        } else if !isPump, let zone {
            for sensor in self.substratesByZone[zone] {
                guard case .substrate(var model, let owner) = self.sensors[sensor].model else { continue }
                model.integrate(to: now, wet: self.openValvesByZone[zone] > 0)
                self.sensors[sensor].model = .substrate(model, zone: owner)
            }
            self.openValvesByZone[zone] += delta
        }
    }
}
