import Domain
import Foundation

/// The columns of `irrigation_runs` that hold a run's progress, as bind values in `IrrigationRows.runStateSQL`'s
/// order ($2 ...).
enum IrrigationRows {
    static let runStateSQL = """
        status = $2, approved_by = $3::uuid, current_step = $4, started_at = $5::timestamptz,
        stopped_at = $6::timestamptz, abort_cause = $7, abort_actor_id = $8::uuid, abort_note = $9, abort_reason = $10,
        abort_zone_id = $11::uuid, abort_command_status = $12, block_reason = $13, pending_closes = $14::uuid[],
        unconfirmed_zones = $15::uuid[], close_rounds = $16::jsonb, updated_at = now()
        """

    static let runColumns = """
        id, program_id, group_id, requested_by, requested_at, status, approved_by, current_step, started_at,
        stopped_at, abort_cause, abort_actor_id, abort_note, abort_reason, abort_zone_id, abort_command_status,
        block_reason, pending_closes::text AS pending_closes, unconfirmed_zones::text AS unconfirmed_zones,
        close_rounds::text AS close_rounds
        """

    static func stateBinds(_ run: IrrigationRun) -> [SQLValue] {
        let cause = self.causeColumns(run.abortCause)
        return [
            SQLValue(run.id), SQLValue(run.status.rawValue), SQLValue(run.approvedBy), SQLValue(run.currentStep),
            SQLValue(run.startedAt), SQLValue(run.stoppedAt), SQLValue(cause.kind), SQLValue(cause.actor),
            SQLValue(cause.note), SQLValue(cause.reason), SQLValue(cause.zone), SQLValue(cause.status),
            SQLValue(run.blockReason?.rawValue), SQLValue(self.uuidArray(run.pendingCloses)),
            SQLValue(self.uuidArray(run.unconfirmedZones)), SQLValue(self.closeRoundsJSON(run.storedState.closeRounds)),
        ]
    }

    private struct CauseColumns {
        var kind: String?
        var actor: UUID?
        var note: String?
        var reason: String?
        var zone: UUID?
        var status: String?
    }

    private static func causeColumns(_ cause: RunAbortCause?) -> CauseColumns {
        switch cause {
        case nil: CauseColumns()
        case .operatorRequest(let by, let reason): CauseColumns(kind: "operator", actor: by, note: reason)
        case .interlock(let reason): CauseColumns(kind: "interlock", reason: reason.rawValue)
        case .device(let zone, let status): CauseColumns(kind: "device", zone: zone, status: status.rawValue)
        case .approvalDenied(let by): CauseColumns(kind: "approval_denied", actor: by)
        }
    }

    static func decodeRun(_ row: PostgresRow, steps: [StepRun]) throws -> IrrigationRun {
        let cause: RunAbortCause? =
            switch try row.decode("abort_cause", as: String?.self) {
            case "operator"?:
                .operatorRequest(by: try row.decode("abort_actor_id"), reason: try row.decode("abort_note"))
            case "interlock"?: .interlock(try row.decodeEnum("abort_reason"))
            case "device"?:
                .device(zoneID: try row.decode("abort_zone_id"), status: try row.decodeEnum("abort_command_status"))
            case "approval_denied"?: .approvalDenied(by: try row.decode("abort_actor_id"))
            default: nil
            }
        let state = StoredRunState(
            status: try row.decodeEnum("status"),
            approvedBy: try row.decode("approved_by"),
            steps: steps,
            currentStep: try row.decode("current_step"),
            startedAt: try row.decode("started_at"),
            stoppedAt: try row.decode("stopped_at"),
            abortCause: cause,
            blockReason: try row.decodeEnum("block_reason", as: InterlockReason?.self),
            pendingCloses: Set(try self.uuids(row.decode("pending_closes"))),
            unconfirmedZones: Set(try self.uuids(row.decode("unconfirmed_zones"))),
            closeRounds: try self.closeRounds(row.decode("close_rounds"))
        )
        return IrrigationRun(
            id: try row.decode("id"),
            programID: try row.decode("program_id"),
            groupID: try row.decode("group_id"),
            requestedBy: try row.decode("requested_by"),
            requestedAt: try row.decode("requested_at"),
            restoring: state
        )
    }

    static func decodeStep(_ row: PostgresRow) throws -> StepRun {
        var step = StepRun(index: try row.decode("position"), zoneID: try row.decode("zone_id"))
        step.status = try row.decodeEnum("status")
        step.openedAt = try row.decode("opened_at")
        step.closedAt = try row.decode("closed_at")
        return step
    }

    static func uuidArray(_ ids: Set<UUID>) -> String {
        "{" + ids.map { $0.uuidString.lowercased() }.sorted().joined(separator: ",") + "}"
    }

    static func uuids(_ text: String) throws -> [UUID] {
        try text.arrayElements.map {
            guard let id = UUID(uuidString: String($0)) else {
                throw PostgresError(code: .decoding, message: "'\($0)' in a uuid[] is not a uuid")
            }
            return id
        }
    }

    static func closeRoundsJSON(_ rounds: [UUID: Int]) -> String {
        "{" + rounds.map { "\"\($0.key.uuidString.lowercased())\":\($0.value)" }.sorted().joined(separator: ",") + "}"
    }

    static func closeRounds(_ text: String) throws -> [UUID: Int] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int] else {
            throw PostgresError(code: .decoding, message: "close_rounds is not an object of counts")
        }
        var rounds: [UUID: Int] = [:]
        for (key, value) in object {
            guard let zone = UUID(uuidString: key) else {
                throw PostgresError(code: .decoding, message: "close_rounds key '\(key)' is not a uuid")
            }
            rounds[zone] = value
        }
        return rounds
    }
}
