extension ResourcePattern {
    static let mixTank = ResourcePattern("sites/{site}/mixTanks/{mix_tank}")
    static let injectorChannel = ResourcePattern("sites/{site}/mixTanks/{mix_tank}/injectorChannels/{injector_channel}")
    static let nutrientProduct = ResourcePattern("sites/{site}/nutrientProducts/{nutrient_product}")
    static let irrigationSettings = ResourcePattern("sites/{site}/irrigationSettings")
    static let interlockSources = ResourcePattern("sites/{site}/irrigationGroups/{irrigation_group}/interlockSources")
}
