/// One `LOCKGRAPH_*` variable: its name, how its text is parsed, and the value used when it is
/// unset, empty or invalid.
struct EnvironmentVariable<Value: Sendable>: Sendable {
    let name: String
    let parser: ValueParser<Value>
    let defaultValue: Value

    init(_ name: String, _ parser: ValueParser<Value>, default defaultValue: Value) {
        self.name = name
        self.parser = parser
        self.defaultValue = defaultValue
    }

    /// The value `text` (the variable's value, nil when unset) denotes, or the default with
    /// the warning to print when the text is invalid. Pure: it reads and prints nothing.
    func resolve(_ text: String?) -> (value: Value, warning: String?) {
        guard let text, !text.isEmpty else { return (defaultValue, nil) }
        if let value = parser.parse(text) { return (value, nil) }
        return (defaultValue, invalidValueWarning(text))
    }

    /// The one format of every invalid-value warning: the variable and its text as given, what
    /// is valid, and what is used instead. One line, ending in a newline.
    private func invalidValueWarning(_ text: String) -> String {
        "LockGraph: ignoring \(name)=\(text): valid values are \(parser.validValues); using \(parser.describe(defaultValue)).\n"
    }
}
