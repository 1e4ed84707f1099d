import API
import Fieldbus
import SwiftProtobuf

extension Harvestry_Simulator_V1_Fault {
    /// The API's view of a fault the injector keeps.
    init(record: InjectedFault) {
        self.init()
        self.name = record.name
        self.target = record.request.target.description
        if let duration = record.request.duration { self.duration = FaultProtoTime.proto(duration) }
        self.state =
            switch record.state {
            case .active: .active
            case .expired: .expired
            case .cleared: .cleared
            case .done: .done
            }
        self.applyTime = record.appliedAt.timestamp
        if let expiresAt = record.expiresAt { self.expireTime = expiresAt.timestamp }
        if let endedAt = record.endedAt { self.endTime = endedAt.timestamp }
        self.appliedBy = record.appliedBy
        self.endedBy = record.endedBy ?? ""
        self.summary = record.summary
        self.effect = Self.effect(record.request.effect)
    }

    private static func effect(_ effect: InjectedEffect) -> OneOf_Effect {
        switch effect {
        case .device(let fault): Self.device(fault)
        case .restorePower: .device(.with { $0.kind = .restorePower })
        case .broker(let action): .broker(.with { $0.kind = action == .kill ? .kill : .restart })
        case .network(let toxic): .network(Self.network(toxic))
        case .modbus(let spec): .modbus(Self.modbus(spec))
        }
    }

    private static func device(_ fault: DeviceFault) -> OneOf_Effect {
        func sensor(_ kind: Harvestry_Simulator_V1_SensorFault.Kind, _ stream: String?) -> OneOf_Effect {
            .sensor(
                .with {
                    $0.kind = kind
                    $0.stream = stream ?? ""
                }
            )
        }
        func device(_ kind: Harvestry_Simulator_V1_DeviceFault.Kind) -> OneOf_Effect {
            .device(.with { $0.kind = kind })
        }
        switch fault {
        case .stuck(let stream): return sensor(.stuck, stream)
        case .dropout(let stream): return sensor(.dropout, stream)
        case .drift(let stream, let perHour):
            guard case .sensor(var message) = sensor(.drift, stream) else { return sensor(.drift, stream) }
            message.perHour = perHour
            return .sensor(message)
        case .noise(let stream, let sigma):
            guard case .sensor(var message) = sensor(.noise, stream) else { return sensor(.noise, stream) }
            message.sigma = sigma
            return .sensor(message)
        case .offline: return device(.offline)
        case .tankLow: return device(.tankLow)
        case .estopOpen: return device(.estopOpen)
        case .estopClosed: return device(.estopClose)
        case .doorOpen: return device(.doorOpen)
        case .doorClosed: return device(.doorClose)
        case .poeLost: return device(.poeLoss)
        case .poeRestored, .acRestored: return device(.restorePower)
        case .acLost: return device(.acLoss)
        case .restore: return device(.restore)
        }
    }

    private static func network(_ toxic: NetworkToxic) -> Harvestry_Simulator_V1_NetworkFault {
        .with {
            $0.direction =
                switch toxic.direction {
                case .upstream: .upstream
                case .downstream: .downstream
                case .both: .both
                }
            $0.toxicity = toxic.toxicity
            switch toxic.kind {
            case .down: $0.kind = .down
            case .blackhole: $0.kind = .blackhole
            case .latency(let latency, let jitter):
                $0.kind = .latency
                $0.latency = FaultProtoTime.proto(latency)
                $0.jitter = FaultProtoTime.proto(jitter)
            case .bandwidth(let rate):
                $0.kind = .bandwidth
                $0.rateKilobytesPerSecond = Int64(rate)
            case .resetPeer(let after):
                $0.kind = .resetPeer
                $0.timeout = FaultProtoTime.proto(after)
            case .slicer(let average, let variation, let delay):
                $0.kind = .slicer
                $0.averageSize = Int64(average)
                $0.sizeVariation = Int64(variation)
                $0.delay = FaultProtoTime.proto(delay)
            case .limitData(let bytes):
                $0.kind = .limitData
                $0.bytes = Int64(bytes)
            case .timeout(let after):
                $0.kind = .timeout
                if let after { $0.timeout = FaultProtoTime.proto(after) }
            case .dropFirstConnections(let count):
                $0.kind = .dropFirstConnections
                $0.count = Int64(count)
            case .dropFirstChunks(let count):
                $0.kind = .dropFirstChunks
                $0.count = Int64(count)
            }
        }
    }

    private static func modbus(_ spec: ModbusFaultSpec) -> Harvestry_Simulator_V1_ModbusFault {
        .with {
            switch spec.effect {
            case .exception(let code):
                $0.kind = .exception
                $0.exceptionCode = UInt32(code.rawValue)
            case .noReply: $0.kind = .timeout
            case .junkReply: $0.kind = .junkReply
            }
            switch spec.registers {
            case .all: break
            case .named(let names): $0.registers = names
            case .wire(let range):
                $0.range = .with {
                    $0.first = UInt32(range.lowerBound)
                    $0.last = UInt32(range.upperBound)
                }
            }
            $0.count = Int64(spec.count ?? 0)
        }
    }
}
