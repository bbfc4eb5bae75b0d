/// A plugin that could not be loaded or a class that could not be found.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// `dlopen` failed (missing dependency, wrong architecture, not a shared object).
        case broken
        /// Built against another SDK version.
        case incompatible
        /// Two plugins (or a plugin and a built-in) claim the same class name.
        case duplicate
        /// No plugin provides the class.
        case unknownClass
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
