// The calculator tool: the model writes an expression in a call, the runtime evaluates it and
// injects the result. A small recursive-descent parser over whole numbers, + - * / (and × ÷),
// and parentheses, computing exact fractions. Everything a model can write is either a number
// or an error text ("error: division by zero"): bounded length, nesting and magnitude, never a
// crash, never an exception escaping into the reply loop.

import Foundation

public enum Calculator {
    /// The longest expression evaluated, in characters.
    public static let longestExpression = 64
    /// The deepest nesting of parentheses.
    public static let deepestNesting = 8
    /// No number, written or computed (numerator or denominator), beyond this.
    public static let largestMagnitude: Int64 = 1_000_000_000

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The text injected for `expression`: the value ("5", "-3", "3.5", "0.3333"), or
    /// "error: …".
    public static func result(of expression: String) -> String {
        do { return try evaluate(expression).text } catch let failure as Failure {
            return "error: \(failure.description)"
        } catch {
            return "error: \(error)"
        }
    }

    /// The calculator as a tool of the assistant's reply loop.
    public static let tool: (String) -> String? = { result(of: $0) }

    /// The exact value of `expression`.
    public static func evaluate(_ expression: String) throws -> Fraction {
        guard !expression.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Failure(description: "empty expression")
        }
        guard expression.count <= longestExpression else {
            throw Failure(description: "longer than \(longestExpression) characters")
        }
        var parser = Parser(characters: Array(expression))
        let value = try parser.sum(depth: 0)
        parser.skipSpaces()
        guard parser.position == parser.characters.count else {
            throw Failure(description: "unexpected \"\(parser.characters[parser.position])\"")
        }
        return value
    }

    /// A fraction in lowest terms with a positive denominator, both within `largestMagnitude`.
    public struct Fraction: Equatable, Sendable {
        public let numerator: Int64, denominator: Int64

        init(_ numerator: Int64, _ denominator: Int64 = 1) throws {
            guard denominator != 0 else { throw Failure(description: "division by zero") }
            let divisor = Self.gcd(abs(numerator), abs(denominator))
            var n = numerator / divisor, d = denominator / divisor
            if d < 0 { n = -n; d = -d }
            guard abs(n) <= largestMagnitude, d <= largestMagnitude else {
                throw Failure(description: "a number beyond \(largestMagnitude)")
            }
            self.numerator = n; self.denominator = d
        }

        static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
            b == 0 ? Swift.max(a, 1) : gcd(b, a % b)
        }

        // Operands are within 1e9, so every product below fits in Int64 (< 9.2e18).
        static func + (a: Fraction, b: Fraction) throws -> Fraction {
            try Fraction(
                a.numerator * b.denominator + b.numerator * a.denominator,
                a.denominator * b.denominator)
        }
        static func - (a: Fraction, b: Fraction) throws -> Fraction {
            try Fraction(
                a.numerator * b.denominator - b.numerator * a.denominator,
                a.denominator * b.denominator)
        }
        static func * (a: Fraction, b: Fraction) throws -> Fraction {
            try Fraction(a.numerator * b.numerator, a.denominator * b.denominator)
        }
        static func / (a: Fraction, b: Fraction) throws -> Fraction {
            try Fraction(a.numerator * b.denominator, a.denominator * b.numerator)
        }

        /// A whole number as digits; anything else as a decimal with up to 4 places.
        public var text: String {
            if denominator == 1 { return "\(numerator)" }
            var decimal = String(format: "%.4f", Double(numerator) / Double(denominator))
            while decimal.hasSuffix("0") { decimal.removeLast() }
            return decimal
        }
    }

    /// sum := product (('+' | '-') product)*; product := factor (('*' | '/') factor)*;
    /// factor := '-' factor | number | '(' sum ')'.
    struct Parser {
        let characters: [Character]
        var position = 0

        mutating func skipSpaces() {
            while position < characters.count, characters[position] == " " { position += 1 }
        }

        mutating func next(_ options: Set<Character>) -> Character? {
            skipSpaces()
            guard position < characters.count, options.contains(characters[position]) else {
                return nil
            }
            position += 1
            return characters[position - 1]
        }

        mutating func sum(depth: Int) throws -> Fraction {
            var value = try product(depth: depth)
            while let sign = next(["+", "-", "−"]) {
                let right = try product(depth: depth)
                value = sign == "+" ? try value + right : try value - right
            }
            return value
        }

        mutating func product(depth: Int) throws -> Fraction {
            var value = try factor(depth: depth)
            while let sign = next(["*", "×", "/", "÷"]) {
                let right = try factor(depth: depth)
                value = sign == "*" || sign == "×" ? try value * right : try value / right
            }
            return value
        }

        mutating func factor(depth: Int) throws -> Fraction {
            if next(["-", "−"]) != nil {
                // Unary minus counts toward the nesting bound: "- - - … 1" is nesting too.
                guard depth < Calculator.deepestNesting else {
                    throw Failure(description: "nested deeper than \(Calculator.deepestNesting)")
                }
                return try Fraction(0) - factor(depth: depth + 1)
            }
            if next(["("]) != nil {
                guard depth < Calculator.deepestNesting else {
                    throw Failure(description: "nested deeper than \(Calculator.deepestNesting)")
                }
                let value = try sum(depth: depth + 1)
                guard next([")"]) != nil else { throw Failure(description: "unclosed \"(\"") }
                return value
            }
            skipSpaces()
            var digits = ""
            while position < characters.count, let digit = characters[position].wholeNumberValue,
                characters[position].isASCII
            {
                digits.append(String(digit)); position += 1
                guard digits.count <= 10 else {
                    throw Failure(description: "a number beyond \(Calculator.largestMagnitude)")
                }
            }
            guard let value = Int64(digits) else {
                throw Failure(
                    description: position < characters.count
                        ? "unexpected \"\(characters[position])\"" : "an operator without a number")
            }
            return try Fraction(value)
        }
    }
}
