/// Why a ``ReflectionService`` could not be built from a descriptor set.
public struct ReflectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case duplicateFile
            case missingDependency
            case unknownService
        }

        private let wrapped: Wrapped

        /// Two files in the set have the same name.
        public static let duplicateFile = Self(wrapped: .duplicateFile)
        /// A file imports a file the set does not contain (build the set with `--include_imports`).
        public static let missingDependency = Self(wrapped: .missingDependency)
        /// A service to be listed is not defined by any file in the set.
        public static let unknownService = Self(wrapped: .unknownService)

        public var description: String { String(describing: self.wrapped) }
    }

    /// The kind of problem.
    public var code: Code
    /// What went wrong, naming the file or service.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}
