/// The few transcendental functions the models need, in pure Swift (the Simulator stays free of C libraries).
enum SimMath {
    private static let ln2 = 0.693_147_180_559_945_309_417

    /// e^x to about 1e-15 relative: x = k ln2 + r with |r| <= ln2/2, a Taylor series for e^r, scaled by 2^k.
    static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709 { return .infinity }
        if x < -745 { return 0 }
        let k = Double(Int(x / ln2 + (x < 0 ? -0.5 : 0.5)))  // round half away, without libm's round
        let r = x - k * ln2
        var term = 1.0
        var sum = 1.0
        for n in 1...20 {
            term *= r / Double(n)
            sum += term
            if abs(term) < 1e-17 * sum { break }
        }
        return sum * pow2(Int(k))
    }

    /// 2^k for the exponents `exp` produces (subnormal results are reached in two steps).
    private static func pow2(_ k: Int) -> Double {
        if k < -1000 { return Double(sign: .plus, exponent: -1000, significand: 1) * pow2(k + 1000) }
        return Double(sign: .plus, exponent: k, significand: 1)
    }

    /// x relaxed toward `target` over `seconds` with time constant `tau`: the exact solution of dx/dt = (target-x)/tau.
    static func relax(_ x: Double, toward target: Double, seconds: Double, tau: Double) -> Double {
        guard seconds > 0 else { return x }
        return target + (x - target) * exp(-seconds / tau)
    }
}
