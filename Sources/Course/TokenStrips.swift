// The token strips lessons draw of a model's tokens, each coloured by a value: a conversation's
// loss weights (what is trained on), the tokens a tool injected.

import Foundation

extension LanguageModel {
    /// `tokens` as this model's tokenizer shows them, each coloured by its value in `values`.
    public func valueStrip(
        _ title: String, tokens: [Int], values: [Double], valueLabel: String
    ) -> Figure {
        .tokenStrip(
            TokenStrip(
                title: title,
                tokens: zip(tokens, values).map {
                    .init(text: label(of: $0.0), id: $0.0, value: $0.1)
                },
                coloring: .byValue, valueLabel: valueLabel, showIDs: false))
    }

    /// A rendered conversation coloured by its loss weights.
    public func weightStrip(_ title: String, _ chat: RenderedChat, valueLabel: String) -> Figure {
        valueStrip(
            title, tokens: chat.tokens, values: chat.weights.map(Double.init),
            valueLabel: valueLabel)
    }
}
