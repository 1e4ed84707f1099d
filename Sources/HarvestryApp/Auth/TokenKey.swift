import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A key that cannot be used, with what to do about it.
public struct TokenKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "token key: \(self.message)" }
    public init(message: String) { self.message = message }
}

/// Where the HS256 key for session tokens comes from.
///
/// Every instance serving one database must hold the same key, or tokens from one are refused by another:
/// set `HARVESTRY_TOKEN_KEY` (or `--token-key`) to the same secret everywhere, or let instances that share a data
/// directory share `<data dir>/token.key`, created on first use with 32 random bytes and mode 0600.
public enum TokenKey {
    public static let minimumBytes = 32
    public static let fileName = "token.key"

    /// A configured secret: its UTF-8 bytes, at least 32 of them.
    public static func fromSecret(_ secret: String) throws(TokenKeyError) -> [UInt8] {
        let bytes = Array(secret.utf8)
        guard bytes.count >= Self.minimumBytes else {
            throw TokenKeyError(message: "the secret must be at least \(Self.minimumBytes) bytes, got \(bytes.count)")
        }
        return bytes
    }

    /// The key in `directory/token.key` (64 hex digits), created atomically with mode 0600 when missing; when two
    /// processes race to create it, both end up with the one that was linked first.
    public static func loadOrCreate(inDirectory directory: String) throws(TokenKeyError) -> [UInt8] {
        let path = directory + "/" + Self.fileName
        if let existing = try Self.read(path) { return existing }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TokenKeyError(message: "cannot create \(directory): \(error)")
        }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw TokenKeyError(message: "cannot create \(temporary): errno \(errno)") }
        let text = Array((key.map { Self.hex($0) }.joined() + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        defer { unlink(temporary) }
        guard written == text.count else { throw TokenKeyError(message: "cannot write \(temporary)") }
        // link() fails when the file appeared meanwhile: then the other process's key wins.
        if link(temporary, path) != 0 && errno != EEXIST {
            throw TokenKeyError(message: "cannot create \(path): errno \(errno)")
        }
        guard let stored = try Self.read(path) else { throw TokenKeyError(message: "\(path) vanished") }
        return stored
    }

    private static func read(_ path: String) throws(TokenKeyError) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            throw TokenKeyError(message: "\(path) is readable by others; chmod 600 it")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Self.bytes(hex: text), bytes.count >= Self.minimumBytes else {
            throw TokenKeyError(message: "\(path) must hold at least 64 hex digits")
        }
        return bytes
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    private static func bytes(hex text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count.isMultiple(of: 2) else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = Self.nibble(characters[index]), let low = Self.nibble(characters[index + 1]) else {
                return nil
            }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case 0x30...0x39: return character - 0x30
        case 0x61...0x66: return character - 0x61 + 10
        case 0x41...0x46: return character - 0x41 + 10
        default: return nil
        }
    }
}
