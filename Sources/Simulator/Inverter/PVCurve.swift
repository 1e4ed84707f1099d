import Foundation

/// Clear-sky PV output by time of day: a half sine between sunrise and sunset, peaking at their midpoint.
public struct PVCurve: Hashable, Sendable {
    public var peakW: Double
    public var sunriseSecond: Int
    public var sunsetSecond: Int
    public var utcOffsetSeconds: Int

    /// Seconds since local midnight at `instant`.
    public func secondOfDay(_ instant: SimInstant) -> Int {
        let local = instant.secondsAndNanos.seconds + Int64(self.utcOffsetSeconds)
        return Int(((local % 86_400) + 86_400) % 86_400)
    }

    /// Available PV power at `instant`, in watts.
    public func power(at instant: SimInstant) -> Double {
        let second = self.secondOfDay(instant)
        guard second > self.sunriseSecond && second < self.sunsetSecond else { return 0 }
        let phase = Double(second - self.sunriseSecond) / Double(self.sunsetSecond - self.sunriseSecond)
        return self.peakW * sin(Double.pi * phase)
    }
}
