// This module is compiled with -Ounchecked (Package.swift), which drops `precondition`: the
// compiler assumes it holds. A shape or length mistake would then read or write past a buffer
// (a sequence longer than the context read positions past the position table: garbage that
// changed from process to process) instead of stopping with its message. This one, declared
// in the module, shadows the standard library's for every call here, and is checked in every
// build; the checks guard whole operations, never inner loops, so they cost nothing measurable.
@inline(__always)
func precondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
