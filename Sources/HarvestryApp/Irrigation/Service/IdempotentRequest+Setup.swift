import API

/// The setup API's mutations carry an AIP-155 `request_id` (see `IdempotentRequest`).
extension Harvestry_Irrigation_V1_CreateMixTankRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateMixTankRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_DeleteMixTankRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_CreateNutrientProductRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateNutrientProductRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_DeleteNutrientProductRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_CreateInjectorChannelRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateInjectorChannelRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_DeleteInjectorChannelRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateIrrigationSettingsRequest: IdempotentRequest {}
extension Harvestry_Irrigation_V1_UpdateInterlockSourcesRequest: IdempotentRequest {}
