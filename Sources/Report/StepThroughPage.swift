// A stepper session as one self-contained page: every frame precomputed (the recording), moved
// through with a slider or the arrow keys. Per frame: the context as tokens, the candidates'
// chart, the attention of the newest position (choose layer and head) and the tree of every
// branch explored. Styles, script and data are inline: the file opens from file:// with no
// network. Model text reaches the page only as JSON data and is put in with textContent.

import Foundation
import Stepper
import Chat

public enum StepThroughPage {
    /// `back`: the page a reader came from (the lesson that recorded the session), linked at the top.
    public static func html(
        _ recording: StepRecording, title: String = "Step through inference",
        back: (href: String, label: String)? = nil
    ) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(
            decoding: (try? encoder.encode(recording)) ?? Data("{}".utf8), as: UTF8.self)
        // Inside <script>, only "</" could end the element early: escape every "<".
        let data = json.replacingOccurrences(of: "<", with: "\\u003c")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) · \(HTML.escape(recording.model))</title>
            <style>\(style)</style>
            </head>
            <body>
            <header>
              \(back.map { "<p class=\"back\"><a href=\"\(HTML.escape($0.href))\">← \(HTML.escape($0.label))</a></p>" } ?? "")
              <h1>\(HTML.escape(title))</h1>
              <p class="meta">\(HTML.escape(recording.model)) · \(recording.parameterCount) parameters · context \(recording.contextLength) tokens · seed \(recording.seed) · \(recording.frames.count) frames, \(recording.nodes.count - 1) tokens explored</p>
            </header>
            <main>
              <section class="controls" aria-label="frame">
                <button id="previous" aria-label="previous frame">◀</button>
                <input id="slider" type="range" min="0" max="\(max(0, recording.frames.count - 1))" value="0" aria-label="frame">
                <button id="next" aria-label="next frame">▶</button>
                <span id="position"></span>
              </section>
              <p class="hint">← / → move through the session · click a node of the tree to jump to it</p>
              <p id="message" class="message"></p>
              <section><h2>Context</h2><p id="settings" class="meta"></p>\(recording.turnMarkers == nil ? "" : legend(searched: recording.nodes.contains { $0.how == Stepper.toolAction }))<div id="context" class="context"></div></section>
              <div class="columns">
                <section><h2>Next token</h2><p class="meta">light bar: the model's probability · dark bar: the chance of being drawn under these settings</p><div id="candidates"></div></section>
                <section><h2>Attention of the newest position</h2>
                  <label>layer <select id="layer"></select></label> <label>head <select id="head"></select></label>
                  <div id="strip" class="context"></div><div id="heatmap"></div></section>
              </div>
              <section><h2>Branches explored</h2><div id="tree" class="tree"></div></section>
            </main>
            <script type="application/json" id="recording">\(data)</script>
            <script>\(script)</script>
            </body>
            </html>

            """
    }

    /// For conversations: which underline marks whose turn.
    static func legend(searched: Bool) -> String {
        #"<p class="meta legend">turns, underlined: <span class="turn-system">system</span><span class="turn-user">user</span><span class="turn-assistant">assistant</span> · bold: the turn tokens"#
            + (searched ? #" · <span class="tool">green: injected by a tool (search, calculator)</span>"# : "")
            + "</p>"
    }

    static let style = """
        body{font:15px/1.45 "DejaVu Sans",system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:12px 20px;color:#1b1b1b;background:#fdfdfc}
        h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.1em;margin:1em 0 .3em}
        .meta,.hint{color:#555;font-size:.9em;margin:.2em 0}
        .controls{display:flex;gap:8px;align-items:center;position:sticky;top:0;background:#fdfdfc;padding:6px 0;z-index:1}
        .controls input{flex:1}button{font-size:1em;padding:2px 10px}
        .message{font-weight:bold;min-height:1.4em}
        .context{font-family:"DejaVu Sans Mono",monospace;font-size:.95em;line-height:2;word-break:break-all}
        .context span{padding:2px 0;white-space:pre-wrap}.context .a{background:#e6eef7}.context .b{background:#f6e8d8}
        .context .dropped{opacity:.45}.context .newest{outline:2px solid #d55e00}
        .context .marker{font-weight:bold}.turn-system{border-bottom:3px solid #999}
        .turn-user{border-bottom:3px solid #e69f00}.turn-assistant{border-bottom:3px solid #009e73}
        .legend span{padding:0 4px;margin-right:6px}.context span.tool,.legend .tool{background:#d4efdf}
        .tree .toolblock{border-color:#6fbf8f;background:#eef8f1}
        .columns{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:24px}
        #heatmap svg{max-width:100%;height:auto}
        @media (max-width:800px){.columns{grid-template-columns:1fr}}
        .tree ul{list-style:none;margin:0;padding-left:18px;border-left:1px dotted #bbb}
        .tree>ul{border:0;padding:0}.tree li{margin:2px 0}
        .tree button{font:inherit;font-family:"DejaVu Sans Mono",monospace;font-size:.9em;border:1px solid #ccc;background:#fff;border-radius:3px;cursor:pointer;padding:0 4px}
        .tree .onpath{background:#e6eef7}.tree .current{background:#0072b2;color:#fff}
        svg text{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
        """

    static let script = """
        "use strict";
        const rec = JSON.parse(document.getElementById("recording").textContent);
        const $ = id => document.getElementById(id);
        const SVG = "http://www.w3.org/2000/svg";
        let frameIndex = 0;
        function el(tag, attrs, text) {
          const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
          if (text !== undefined) e.textContent = text;
          return e;
        }
        function pathTo(node) { const p = [node]; while (rec.nodes[p[0]].parent !== null && rec.nodes[p[0]].parent !== undefined) p.unshift(rec.nodes[p[0]].parent); return p; }
        function contextLabels(node) { return rec.prompt.concat(pathTo(node).slice(1).map(n => rec.nodes[n].label)); }
        function pct(p) { return (p * 100).toFixed(p >= 0.001 || p === 0 ? 1 : 3) + "%"; }
        function describe(s) {
          const t = s.temperature <= 0 ? "0 (greedy)" : s.temperature.toFixed(2);
          return "temperature " + t + " · top-k " + (s.topK ?? "off") + " · top-p " + (s.topP === undefined || s.topP === null ? "off" : s.topP.toFixed(2));
        }
        function heat(w) { // white → blue
          const r = Math.round(255 - 255 * w), g = Math.round(255 - 141 * w), b = Math.round(255 - 77 * w);
          return "rgb(" + r + "," + g + "," + b + ")";
        }
        function drawContext(f) {
          const box = $("context"); box.replaceChildren();
          const labels = contextLabels(f.node), markers = rec.turnMarkers || {};
          const path = pathTo(f.node), fromTool = new Set();
          path.forEach((n, k) => { if (k > 0 && rec.nodes[n].how === "tool") fromTool.add(rec.prompt.length + k - 1); });
          let turn = null;  // the role whose turn a token belongs to, from the last turn token
          labels.forEach((label, i) => {
            const marker = Object.hasOwn(markers, label) ? markers[label] : null;
            if (marker && marker !== "end") { turn = marker; if (i > 0) box.append(el("br")); }
            const cls = (i % 2 ? "b" : "a") + (i < f.droppedTokens ? " dropped" : "") + (i === labels.length - 1 ? " newest" : "")
              + (marker ? " marker" : "") + (turn ? " turn-" + turn : "") + (fromTool.has(i) ? " tool" : "");
            const role = turn ? " · " + turn + (marker ? " turn token" : "'s turn") : "";
            const origin = fromTool.has(i) ? " · injected by the search tool" : "";
            box.append(el("span", {class: cls, title: "token " + i + role + origin + (i < f.droppedTokens ? " (outside the window)" : "")}, label));
            if (marker === "end") turn = null;
          });
        }
        function drawCandidates(f) {
          const rowH = 24, labelW = 150, barW = 300, w = labelW + barW + 130, h = f.candidates.length * rowH + 8;
          const svg = el("svg:svg", {viewBox: "0 0 " + w + " " + h, width: "100%", role: "img", "aria-label": "next-token candidates"});
          const max = Math.max(...f.candidates.map(c => Math.max(c.probability, c.samplingProbability)), 1e-9);
          f.candidates.forEach((c, i) => {
            const y = 4 + i * rowH;
            svg.append(el("svg:text", {x: 0, y: y + 16}, (i + 1) + " “" + c.label + "”"));
            svg.append(el("svg:rect", {x: labelW, y: y + 3, width: barW * c.probability / max, height: 16, fill: "#9ecae1"}));
            svg.append(el("svg:rect", {x: labelW, y: y + 8, width: barW * c.samplingProbability / max, height: 6, fill: "#08519c"}));
            svg.append(el("svg:text", {x: labelW + barW + 6, y: y + 16}, pct(c.probability) + " / " + pct(c.samplingProbability)));
          });
          $("candidates").replaceChildren(svg);
        }
        function fillSelect(select, count, prefix) {
          if (select.options.length === count) return;
          const keep = Math.min(+select.value || 0, count - 1);
          // Shown counted from 1, as the lessons and the terminal count layers and heads.
          select.replaceChildren(...Array.from({length: count}, (_, i) => el("option", {value: i}, prefix + (i + 1))));
          select.value = keep;
        }
        function drawAttention(f) {
          fillSelect($("layer"), f.attention.length, "");
          fillSelect($("head"), f.attention[0].length, "");
          const layer = +$("layer").value, head = +$("head").value;
          const labels = contextLabels(f.node).slice(f.droppedTokens);
          const weights = f.attention[layer][head];
          const strip = $("strip"); strip.replaceChildren();
          weights.forEach((w, j) => {
            const s = el("span", {title: labels[j] + ": " + w.toFixed(3)}, labels[j]);
            s.style.background = heat(w); if (w > 0.6) s.style.color = "#fff";
            strip.append(s);
          });
          // Every head of the layer over the newest 48 positions; the chosen head outlined. Drawn
          // at most 1.6× its own units, so a short context does not blow the labels up.
          const heads = f.attention[layer], shown = Math.min(48, weights.length), first = weights.length - shown;
          const cell = 12, left = 40, top = 4, w = left + shown * cell + 4, h = top + heads.length * cell + 4;
          const svg = el("svg:svg", {viewBox: "0 0 " + w + " " + h, width: Math.min(520, w * 1.6), role: "img", "aria-label": "attention heatmap"});
          heads.forEach((row, r) => {
            svg.append(el("svg:text", {x: 0, y: top + r * cell + 10, style: "font-size:9px"}, "head " + (r + 1)));
            for (let j = first; j < row.length; j++) {
              const rect = el("svg:rect", {x: left + (j - first) * cell, y: top + r * cell, width: cell - 1, height: cell - 1, fill: heat(row[j])});
              rect.append(el("svg:title", {}, "head " + (r + 1) + " → " + labels[j] + ": " + row[j].toFixed(3)));
              svg.append(rect);
            }
          });
          svg.append(el("svg:rect", {x: left - 1, y: top + head * cell - 1, width: shown * cell + 1, height: cell + 1, fill: "none", stroke: "#d55e00", "stroke-width": 2}));
          $("heatmap").replaceChildren(svg);
        }
        function drawTree(f) {
          const onPath = new Set(pathTo(f.node));
          const children = new Map();
          rec.nodes.forEach(n => { if (n.parent !== null && n.parent !== undefined) { if (!children.has(n.parent)) children.set(n.parent, []); children.get(n.parent).push(n); } });
          function item(n) {
            const li = el("li");
            // A tool's result (search or calculator) is one entry: the tool wrote it, the model chose none of its tokens.
            let last = n, count = 1, words = n.label;
            if (n.how === "tool") while ((children.get(last.id) || []).length === 1 && children.get(last.id)[0].how === "tool") { last = children.get(last.id)[0]; count++; words += last.label; }
            if (words.length > 48) words = words.slice(0, 47) + "…";
            const text = n.parent === null || n.parent === undefined ? "prompt"
              : n.how === "tool" ? "tool result “" + words + "” · " + count + " tokens" : "“" + n.label + "” " + pct(n.probability) + " · " + n.how;
            const reached = id => id === f.node ? "current" : onPath.has(id) ? "onpath" : "";
            const b = el("button", {class: (reached(last.id) + (n.how === "tool" ? " toolblock" : "")).trim()}, text);
            b.addEventListener("click", () => { let at = -1; rec.frames.forEach((g, i) => { if (g.node === last.id) at = i; }); if (at >= 0) show(at); });
            li.append(b);
            const kids = children.get(last.id);
            if (kids) { const ul = el("ul"); kids.forEach(k => ul.append(item(k))); li.append(ul); }
            return li;
          }
          const ul = el("ul"); ul.append(item(rec.nodes[0])); $("tree").replaceChildren(ul);
        }
        function show(i) {
          frameIndex = Math.max(0, Math.min(rec.frames.length - 1, i));
          const f = rec.frames[frameIndex];
          $("slider").value = frameIndex;
          $("position").textContent = "frame " + (frameIndex + 1) + " of " + rec.frames.length + " · " + f.action;
          $("message").textContent = f.message;
          $("settings").textContent = describe(f.settings) + " · " + contextLabels(f.node).length + " tokens";
          drawContext(f); drawCandidates(f); drawAttention(f); drawTree(f);
        }
        $("slider").addEventListener("input", e => show(+e.target.value));
        $("previous").addEventListener("click", () => show(frameIndex - 1));
        $("next").addEventListener("click", () => show(frameIndex + 1));
        $("layer").addEventListener("change", () => drawAttention(rec.frames[frameIndex]));
        $("head").addEventListener("change", () => drawAttention(rec.frames[frameIndex]));
        document.addEventListener("keydown", e => {
          if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
          if (e.key === "ArrowLeft") { show(frameIndex - 1); e.preventDefault(); }
          if (e.key === "ArrowRight") { show(frameIndex + 1); e.preventDefault(); }
        });
        show(0);   // the session from its start, as it happened
        """
}
