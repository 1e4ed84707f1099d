import Edge
import Fieldbus
import Foundation
import Testing

@Suite("ReadBlock planning")
struct ReadBlockTests {
    static func points(_ names: [String]? = nil) -> [ModbusDeviceConfiguration.Point] {
        let registers =
            names.map { $0.compactMap { RegisterMap.sungrow[$0] } }
            ?? RegisterMap.sungrow.registers.filter { $0.table == .input }
        return registers.map { ModbusDeviceConfiguration.Point(register: $0, stream: $0.name) }
    }

    @Test func theSungrowInputMapIsThreeReadsWithTheDefaults() throws {
        let blocks = ReadBlock.plan(Self.points(), maxRegisters: 100, maxGap: 16)
        #expect(blocks.map { [$0.address, $0.count] } == [[4999, 19], [5037, 1], [13001, 34]])
        #expect(blocks.flatMap(\.slots).count == Self.points().count)
        let active = try #require(blocks[2].slots.first { $0.point.register.name == "total_active_power" })
        #expect(active.offset == 13033 - 13001)
    }

    @Test func everyBlockStaysWithinTheLimitsAndCoversEveryPoint() {
        let points = Self.points()
        for maxRegisters in [2, 3, 10, 34, 100, 125] {
            for maxGap in [0, 1, 8, 32, 120] {
                let blocks = ReadBlock.plan(points, maxRegisters: maxRegisters, maxGap: maxGap)
                var covered: [String] = []
                for block in blocks {
                    #expect(block.count <= maxRegisters && block.count >= 1)
                    for slot in block.slots {
                        let range = slot.point.register.wireRange
                        #expect(range.lowerBound == block.address + slot.offset)
                        #expect(range.upperBound <= block.address + block.count - 1)
                        covered.append(slot.point.register.name)
                    }
                }
                #expect(covered.sorted() == points.map(\.register.name).sorted())
                if maxGap == 0 {
                    // Without a gap allowance no read spans an unwanted register.
                    for block in blocks {
                        let wanted = block.slots.reduce(0) { $0 + $1.point.register.type.words }
                        #expect(wanted == block.count)
                    }
                }
            }
        }
    }

    @Test func holdingRegistersAreReadApartFromInputRegisters() {
        let blocks = ReadBlock.plan(
            Self.points(["power_limitation_setting", "inside_temperature"]),
            maxRegisters: 100,
            maxGap: 16
        )
        #expect(blocks.map(\.table) == [.input, .holding])
        #expect(blocks.map(\.address) == [5007, 5007])
    }
}
