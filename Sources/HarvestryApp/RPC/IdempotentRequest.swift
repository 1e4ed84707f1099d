import API
import SwiftProtobuf

/// A mutating request with an AIP-155 `request_id`: `IdempotencyInterceptor` answers a repeated id with the first
/// response. Every request message with a `request_id` field conforms (a test checks it against the descriptors).
public protocol IdempotentRequest: SwiftProtobuf.Message {
    var requestID: String { get }
}

extension Harvestry_Identity_V1_EndSessionRequest: IdempotentRequest {}
extension Harvestry_Identity_V1_RevokeBadgeRequest: IdempotentRequest {}
extension Harvestry_Identity_V1_CreateUserRequest: IdempotentRequest {}
extension Harvestry_Identity_V1_AssignUserSiteRequest: IdempotentRequest {}
extension Harvestry_Identity_V1_AssignUserRoleRequest: IdempotentRequest {}
extension Harvestry_Identity_V1_IssueBadgeRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_CreateRoomRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_UpdateRoomRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_DeleteRoomRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_CreateZoneRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_UpdateZoneRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_DeleteZoneRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_CreateRackRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_UpdateRackRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_DeleteRackRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_CreateBinRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_UpdateBinRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_DeleteBinRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_CreateInventoryLocationRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_UpdateInventoryLocationRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_DeleteInventoryLocationRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_CreateEquipmentRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_UpdateEquipmentRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_DeleteEquipmentRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_AddCalibrationRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_RecordHeartbeatRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_MapValveToZoneRequest: IdempotentRequest {}
extension Harvestry_Spatial_V1_UnmapValveFromZoneRequest: IdempotentRequest {}
extension Harvestry_Telemetry_V1_IngestReadingsRequest: IdempotentRequest {}
extension Harvestry_Telemetry_V1_CreateStreamRequest: IdempotentRequest {}
extension Harvestry_Telemetry_V1_CreateAlertRuleRequest: IdempotentRequest {}
// Served by the simulator process, not by HarvestryServer; conforming keeps the descriptor check honest.
extension Harvestry_Simulator_V1_InjectFaultRequest: IdempotentRequest {}
// IrrigationService (issue 7): its mutations are idempotent like the rest.
extension Harvestry_Irrigation_V1_CreateIrrigationGroupRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateIrrigationGroupRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_DeleteIrrigationGroupRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_CreateProgramRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateProgramRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_DeleteProgramRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_CreateScheduleRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateScheduleRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_DeleteScheduleRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_StartRunRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_ApproveRunRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_DenyRunRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_AbortRunRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_ReArmRequest: IdempotentRequest {}
// BatchService (issue 7: schedules on batch phase change).
extension Harvestry_Batches_V1_ChangeBatchPhaseRequest: IdempotentRequest {}
