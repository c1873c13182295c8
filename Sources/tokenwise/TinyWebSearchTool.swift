// The search tool that `tokenwise chat` and `tokenwise step --chat` give a chat model: BM25
// over the tiny web's reference pages (lesson 10), the same index the lesson's search finetune used.

import Course
import Foundation
import TinyWeb

enum TinyWebSearchTool {
    /// A search over the tiny web's reference pages, read from the workspace's store (or built)
    /// on the first call only: a model that never searches never pays for it. If the index
    /// cannot be had, the chat says why once, and every search finds nothing.
    static func make(workspace: String) -> (String) -> String? {
        var index: Result<SearchIndex, Error>?
        return { query in
            if index == nil {
                setenv(
                    "TOKENWISE_ARTIFACTS",
                    URL(fileURLWithPath: workspace).appendingPathComponent("artifacts").path, 0)
                index = Result { try CourseData.searchIndex() }
                if case .failure(let error) = index {
                    FileHandle.standardError.write(
                        Data(
                            "(the search tool is unavailable, so every search finds nothing: \(error))\n"
                                .utf8))
                }
            }
            return try? index?.get().bestPassage(query)
        }
    }
}
