import Fieldbus
import Logging
import Synchronization

/// Routes the server's writes to the model: a dry run decides whether the inverter accepts them (else
/// `illegalDataValue`, or `illegalDataAddress` for a register that is not writable), then the write is applied and
/// every register republished.
final class InverterHooks: ModbusServerHooks {
    let model: Mutex<SungrowInverter>
    let datastore: RegisterDatastore
    let map: SungrowRegisterMap
    let logger: Logger
    let observer: (@Sendable (ModbusServer.Intervention) -> Void)?

    init(
        model: SungrowInverter,
        datastore: RegisterDatastore,
        map: SungrowRegisterMap,
        logger: Logger,
        observer: (@Sendable (ModbusServer.Intervention) -> Void)?
    ) {
        self.observer = observer
        self.model = Mutex(model)
        self.datastore = datastore
        self.map = map
        self.logger = logger
    }

    func validateWrite(_ request: ModbusRequest) -> ModbusExceptionCode? {
        var trial = self.model.withLock { $0 }
        do {
            try trial.write(wireAddress: Int(request.address), values: request.values, map: self.map)
            return nil
        } catch {
            self.logger.info("inverter refused a write", metadata: ["reason": "\(error)", "request": "\(request)"])
            return error.field == "address" ? .illegalDataAddress : .illegalDataValue
        }
    }

    func didWrite(_ request: ModbusRequest) {
        self.changeAndPublish { model in
            try? model.write(wireAddress: Int(request.address), values: request.values, map: self.map)
        }
        self.logger.info("inverter register written", metadata: ["request": "\(request)"])
    }

    func didIntervene(_ intervention: ModbusServer.Intervention) {
        self.observer?(intervention)
    }

    func publish() {
        self.changeAndPublish { _ in }
    }

    /// Changes the model and publishes its registers under the model's lock, so registers from an older state can
    /// never overwrite those of a newer one (lock order: model, then datastore; nothing takes them the other way).
    func changeAndPublish(_ change: (inout SungrowInverter) -> Void) {
        self.model.withLock { model in
            change(&model)
            Self.publish(model.registerWords(map: self.map), to: self.datastore)
        }
    }

    static func publish(_ words: [SungrowRegister.Table: [Int: UInt16]], to datastore: RegisterDatastore) {
        for (table, values) in words {
            var converted: [UInt16: UInt16] = [:]
            for (address, word) in values { converted[UInt16(address)] = word }
            datastore.set(table == .input ? .input : .holding, converted)
        }
    }
}
