import ChatFixtures
import Foundation
import Testing
@testable import Report
@testable import Stepper
@testable import Transformer
@testable import Chat

@Suite struct StepThroughPageTests {
    @Test func thePageHoldsEveryFrameAndEscapesModelText() throws {
        let model = fixtureModel()
        let stepper = try Stepper(model: model, prompt: "</script><img src=x onerror=alert(1)> the cat", settings: SamplingSettings(), seed: 1)
        for _ in 0..<3 { stepper.perform(.sample) }
        stepper.perform(.back)
        stepper.perform(.greedy)
        let html = StepThroughPage.html(stepper.recording)
        // The only </script> are the page's own two closing tags; model text is data, never markup.
        #expect(html.components(separatedBy: "</script>").count == 3)
        #expect(!html.contains("<img"))
        #expect(html.contains("\"\\u003c\""))
        // Self-contained: nothing fetched from elsewhere.
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == 2)   // the SVG namespace only
        #expect(!html.contains("https://") && !html.contains("src=\"") && !html.contains("<link"))
        // The data round-trips: every frame, every node.
        let start = html.range(of: "<script type=\"application/json\" id=\"recording\">")!.upperBound
        let end = html.range(of: "</script>", range: start..<html.endIndex)!.lowerBound
        let json = html[start..<end].replacingOccurrences(of: "\\u003c", with: "<")
        let decoded = try JSONDecoder().decode(StepRecording.self, from: Data(json.utf8))
        #expect(decoded.frames.count == 6)   // prompt, 3 samples, back, greedy
        #expect(decoded.frames.map(\.action) == ["prompt", "sampled", "sampled", "sampled", "back", "greedy"])
        #expect(decoded.nodes.count == stepper.tree.nodes.count)
        #expect(decoded.frames[1].attention.count == 2 && decoded.frames[1].attention[0].count == 2)
    }

    @Test func thePageOpensOnItsFirstFrameAndLinksBack() throws {
        let stepper = try Stepper(model: fixtureModel(), prompt: "the cat", settings: SamplingSettings(), seed: 1)
        stepper.perform(.greedy)
        let html = StepThroughPage.html(stepper.recording, back: (href: "../lessons/05-inference.html", label: "Inference <1>"))
        #expect(html.contains("show(0);") && !html.contains("show(rec.frames.length - 1)"))
        #expect(html.contains(#"<p class="back"><a href="../lessons/05-inference.html">← Inference &lt;1&gt;</a></p>"#))
        #expect(!StepThroughPage.html(stepper.recording).contains(#"class="back""#))
    }

    /// A chat model's recording names its turn tokens, so the page can mark whose turn each token
    /// is; a plain model's recording has none and its page no turn legend.
    @Test func aConversationsPageMarksTheTurns() throws {
        let chatModel = chatFixtureModel()
        let format = chatModel.chatFormat!
        let tokens = try chatModel.chatTokens().prompt([Message(.system, "be brief"), Message(.user, "the cat")])
        let chat = try Stepper(model: chatModel, tokens: tokens, settings: SamplingSettings(), seed: 1)
        #expect(chat.recording.turnMarkers == [format.system: "system", format.user: "user",
                                               format.assistant: "assistant", format.end: "end"])
        #expect(chat.recording.prompt.filter { chat.recording.turnMarkers![$0] != nil }.count == 5)   // 3 roles, 2 ends
        #expect(StepThroughPage.html(chat.recording).contains("class=\"meta legend\""))

        let plain = try Stepper(model: fixtureModel(), prompt: "the cat", settings: SamplingSettings(), seed: 1)
        #expect(plain.recording.turnMarkers == nil)
        #expect(!StepThroughPage.html(plain.recording).contains("class=\"meta legend\""))
    }
}
