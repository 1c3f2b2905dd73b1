extension ReportBuilder {
    /// Two locks of one class nested while class checking is on (reported once per class).
    static func sameClassNesting(_ record: EdgeRecord, thread: ThreadDescriptor, _ context: ReportContext) -> LockViolation {
        let inner = LockBacktrace(label: "\(record.to.descriptor), same class, acquired while holding it", thread: record.thread,
                                  frames: Symbolication.frames(of: record.acquirerStack))
        return context.violation(
            .sameClassNesting,
            locks: [record.from.descriptor, record.to.descriptor],
            threads: [thread],
            backtraces: [
                LockBacktrace(label: "\(record.from.descriptor) acquired", thread: record.thread,
                              frames: Symbolication.frames(of: record.holderStack)),
                inner,
            ],
            headline: ReportHeadline("same-class nesting: two locks of class \"\(record.from.classKey)\"", [
                .init(stack: inner, note: "takes \(ReportHeadline.name(record.to.descriptor)) while holding \(ReportHeadline.name(record.from.descriptor)), of the same class"),
            ]),
            summary: "same-class nesting: two locks of class \"\(record.from.classKey)\" were nested; class checking cannot order them, so it checks no order between them (not an inversion)",
            advice: "If the nesting is deliberate (parent then child), create the inner lock with a subclass, for example "
                + "TrackedMutex(name: \"\(record.to.name ?? "child")\", subclass: \"child\"), so it is a class of its own; "
                + "if instances of one class can be nested either way round, order them (for example by id) before locking.",
            scopes: [record.from.scope, record.to.scope])
    }
}
