#!/usr/bin/env python3
"""Opens `lockgraph render --format html` pages in headless Chromium and checks them as a person
would use them, over the DevTools protocol on a pipe (--remote-debugging-pipe: standard library
only, no WebSocket client):

  - the page loads nothing from the network and throws no script error;
  - the edges highlighted as cycle edges in the whole graph are exactly the edges on a cycle of the
    input (computed here from the input JSON), drawn red, and the cycle panels draw closed cycles;
  - a real mouse click on a cycle edge (and, in the whole graph, on another edge) shows that edge's
    two stacks as recorded: the first frame of each, formatted as reports write frames;
  - hovering a lock shows its creation site; typing in the search box highlights the lock;
  - load, render, search and zoom times, written to OUT/timings.json and printed.

Screenshots go to OUT/<name>-*.png. Usage:
  page_check.py --chromium PATH --out DIR NAME=PAGE.html:INPUT.json [...]
Exit status 0 when every check passed; each check prints one line.
"""
import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

WIDTH, HEIGHT = 1440, 1000


class CheckFailed(Exception):
    pass


class Browser:
    """Headless Chromium driven over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON)."""

    def __init__(self, chromium, deadline):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="lockgraph-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def wire():  # in the child: the protocol's two pipes at fds 3 and 4, inheritable
            # (through copies above 4 first: a pipe may itself be fd 3 or 4, and dup2 onto itself
            # would leave it close-on-exec)
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--user-data-dir=" + self.profile, "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--window-size=%d,%d" % (WIDTH, HEIGHT),
                "about:blank"]
        self.process = subprocess.Popen(args, preexec_fn=wire, close_fds=False,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
            self.process.wait(timeout=10)
        except Exception:
            pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self):
        while b"\0" not in self.buffer:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise CheckFailed("timed out waiting for Chromium")
            ready, _, _ = select.select([self.from_browser], [], [], min(remaining, 1.0))
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise CheckFailed("Chromium closed the protocol pipe (exit status %s)" % self.process.poll())
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True, wait=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        if not wait:
            return None
        while True:
            reply = self._read_message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CheckFailed("%s failed: %s" % (method, reply["error"]))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        for domain in ("Page", "Runtime", "Network"):
            self.send(domain + ".enable")
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("window.lockgraphPage && window.lockgraphPage.timing.firstFrameMs !== undefined")

    def evaluate(self, expression, wait_promise=False):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": wait_promise})
        if "exceptionDetails" in result:
            raise CheckFailed("script error in %r: %s" % (expression[:60], result["exceptionDetails"].get("exception", {}).get("description")))
        return result["result"].get("value")

    def wait_for(self, expression):
        while not self.evaluate("!!(%s)" % expression):
            if time.monotonic() > self.deadline:
                raise CheckFailed("timed out waiting for " + expression)
            time.sleep(0.05)

    def mouse(self, kind, x, y, button="none", clicks=0):
        self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": button, "clickCount": clicks})

    def click(self, x, y):
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y, "left", 1)
        self.mouse("mouseReleased", x, y, "left", 1)

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))


def cycle_edges(document):
    """(from, to) of every class-level edge on a cycle: `from` reachable from `to`; self-loops excluded."""
    successors = {}
    for e in document["edges"]:
        if e["from"] != e["to"]:
            successors.setdefault(e["from"], set()).add(e["to"])
    reach = {}

    def reachable(start):
        if start not in reach:
            seen, todo = {start}, [start]
            while todo:
                for nxt in successors.get(todo.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            reach[start] = seen
        return reach[start]

    return {(f, t) for f, tos in successors.items() for t in tos if f in reachable(t)}


def formatted(frame):
    """A frame as reports write it (FrameFormatter.describe)."""
    text = frame.get("symbol") or frame["address"]
    if frame.get("file") and frame.get("line") is not None:
        return "%s at %s:%d" % (text, frame["file"].split("/")[-1], frame["line"])
    if frame.get("image"):
        return "%s in %s" % (text, frame["image"])
    return text


# A point on an element's drawn path (its middle if visible there, else another along it) in
# client coordinates, after scrolling it into view, and which edge the element under that point
# belongs to: the one a click there reaches.
MIDPOINT = """(() => {
  const p = %s;
  p.scrollIntoView({block: 'center'});
  const length = p.getTotalLength(), m = p.getScreenCTM();
  let first = null;
  for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88, 0.06, 0.94]) {
    const pt = p.getPointAtLength(length * f);
    const x = pt.x * m.a + pt.y * m.c + m.e, y = pt.x * m.b + pt.y * m.d + m.f;
    const under = document.elementFromPoint(x, y), hit = under && under.closest('[data-e]');
    const spot = {x, y, edge: Number(p.dataset.e), under: hit ? Number(hit.dataset.e) : -1};
    if (spot.under === spot.edge) return spot;
    first = first || spot;
  }
  return first;
})()"""

EDGE_NAMES = "(i => [nodes[edges[i].from].name, nodes[edges[i].to].name])(%d)"


def check_page(browser, name, page, document, out, timings, report):
    browser.open("file://" + os.path.abspath(page))
    errors = [e for e in browser.events if e["method"] == "Runtime.exceptionThrown"]
    report(not errors, name, "no script error", errors[0]["params"]["exceptionDetails"].get("text") if errors else "")
    fetched = [e["params"]["request"]["url"] for e in browser.events if e["method"] == "Network.requestWillBeSent"]
    remote = [u for u in fetched if not u.startswith(("file:", "data:", "about:"))]
    report(not remote, name, "loads nothing from the network", ", ".join(remote[:3]))
    timings[name] = browser.evaluate("window.lockgraphPage.timing")
    browser.screenshot(os.path.join(out, name + "-cycles.png"))

    # (a) The cycle is highlighted: exactly the input's cycle edges are red in the whole graph.
    expected = cycle_edges(document)
    drawn = browser.evaluate("""Array.from(document.querySelectorAll('#graph path.edge.cyc'))
        .map(p => { const e = edges[+p.dataset.e]; return [nodes[e.from].name, nodes[e.to].name, getComputedStyle(p).stroke]; })""")
    red = {(f, t) for f, t, stroke in drawn if stroke == "rgb(196, 22, 28)"}
    report(red == expected and len(drawn) == len(expected), name,
           "the %d cycle edges of the input, and only they, are drawn red in the whole graph" % len(expected),
           "expected %s, drawn red %s" % (sorted(expected)[:6], sorted(red)[:6]))
    plain = browser.evaluate("getComputedStyle(document.querySelector('#graph path.edge:not(.cyc)') || document.body).stroke")
    report(plain != "rgb(196, 22, 28)", name, "edges off the cycles are not red", plain)
    panels = browser.evaluate("""Array.from(document.querySelectorAll('.panel')).map(panel =>
        Array.from(panel.querySelectorAll('path.edge')).map(p => { const e = edges[+p.dataset.e];
          return [nodes[e.from].name, nodes[e.to].name, getComputedStyle(p).stroke]; }))""")
    closed = all(cycle and all(cycle[k][1] == cycle[(k + 1) % len(cycle)][0] for k in range(len(cycle))) for cycle in panels)
    on_cycles = all((f, t) in expected and stroke == "rgb(196, 22, 28)" for cycle in panels for f, t, stroke in cycle)
    report(bool(panels) == bool(expected) and closed and on_cycles, name,
           "%d cycle panel(s), each a closed cycle of cycle edges drawn red" % len(panels), json.dumps(panels)[:300])

    # (b) A click on an edge shows its stacks.
    def click_shows_stacks(selector, what):
        spot = browser.evaluate(MIDPOINT % selector)
        if spot["under"] != spot["edge"]:
            report(False, name, what + ": the edge is on top at its midpoint", json.dumps(spot))
            return
        browser.click(spot["x"], spot["y"])
        source, target = browser.evaluate(EDGE_NAMES % spot["edge"])
        record = next(e for e in document["edges"] if e["from"] == source and e["to"] == target)
        details = browser.evaluate("document.getElementById('detail-body').innerText")
        wanted = ['"%s" acquired:' % source, '"%s" acquired while holding "%s":' % (target, source),
                  "#0 " + formatted(record["holderStack"][0]), "#0 " + formatted(record["acquirerStack"][0])]
        missing = [w for w in wanted if w not in details]
        report(not missing, name, "%s: a click on %s -> %s shows both stacks" % (what, source, target),
               "missing %s in %r" % (missing, details[:400]))
        return spot

    if expected:
        click_shows_stacks("document.querySelector('.panel path.edge')", "cycle panel")
        browser.screenshot(os.path.join(out, name + "-cycle-edge-clicked.png"))
    else:
        text = browser.evaluate("document.getElementById('cycle-panels').innerText")
        report("No lock-order cycle" in text, name, "without a cycle, the page says so first", repr(text))

    # Hover: a lock's creation site.
    first = sorted(expected)[0][0] if expected else document["locks"][0]["classKey"]
    lock = next(l for l in document["locks"] if l["classKey"] == first)
    spot = browser.evaluate("""(() => { const i = nodes.findIndex(n => n.name === %s);
        const g = document.querySelector('.panel [data-n="' + i + '"] circle') || document.querySelector('#graph [data-n="' + i + '"] rect');
        g.scrollIntoView({block: 'center'}); const r = g.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"""
                            % json.dumps(lock["classKey"]))
    browser.mouse("mouseMoved", spot["x"], spot["y"])
    tip = browser.evaluate("document.getElementById('tip').hidden ? '' : document.getElementById('tip').innerText")
    site = "created at %s:%d" % (lock["file"].split("/")[-1], lock["line"])
    report(site in tip and lock["classKey"] in tip, name, "hovering %s shows %r" % (lock["classKey"], site), repr(tip))

    # Search for a lock that holds while taking another off the cycles, pick the result: the whole
    # graph zooms onto it with labels shown; then click one of its edges there.
    plain_edge = next((e for e in document["edges"] if (e["from"], e["to"]) not in expected and e["from"] != e["to"]), None)
    wanted = plain_edge["from"] if plain_edge else lock["classKey"]
    browser.evaluate("window.scrollTo(0, 0); document.getElementById('search').focus()")
    started = time.monotonic()
    browser.send("Input.insertText", {"text": wanted})
    browser.wait_for("document.getElementById('search-count').textContent !== ''")
    timings[name]["searchRoundTripMs"] = round((time.monotonic() - started) * 1000, 1)
    hit = browser.evaluate("Array.from(document.querySelectorAll('#graph .node.hit')).map(g => nodes[+g.dataset.n].name)")
    report(wanted in hit, name, "searching %r highlights it (%d hit(s))" % (wanted, len(hit)), repr(hit[:5]))
    browser.screenshot(os.path.join(out, name + "-search.png"))
    result = browser.evaluate("""(() => { const b = Array.from(document.querySelectorAll('#search-results button'))
        .find(b => nodes[+b.dataset.node].name === %s); if (!b) return null;
        const r = b.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()""" % json.dumps(wanted))
    if result is None:
        report(False, name, "the search lists %r" % wanted)
        return
    browser.click(result["x"], result["y"])
    zoomed = browser.evaluate("!document.getElementById('graph').classList.contains('far') && document.getElementById('detail-body').innerText")
    report(bool(zoomed) and wanted in zoomed, name, "picking the result zooms the whole graph onto %r and shows its edges" % wanted, repr(zoomed)[:200])
    if plain_edge:
        selector = """document.querySelector('#graph path.edge:not(.cyc)[data-e="' + edges.findIndex(e =>
            nodes[e.from].name === %s && nodes[e.to].name === %s) + '"]')""" % (json.dumps(plain_edge["from"]), json.dumps(plain_edge["to"]))
        browser.evaluate("(%s).scrollIntoView({block: 'nearest'})" % selector)
        click_shows_stacks(selector, "whole graph, zoomed in")
    browser.evaluate("document.getElementById('whole').scrollIntoView({block: 'start'})")
    browser.screenshot(os.path.join(out, name + "-whole-graph-zoomed.png"))
    browser.evaluate("document.getElementById('search').value = ''; window.lockgraphPage.search(''); document.getElementById('fit').click()")
    # The overview as a reader first sees it, with the first cycle edge's stacks open and the
    # pointer on that edge's first lock in the whole graph (the README's screenshot).
    browser.evaluate("window.scrollTo(0, 0); if (cycles.length) window.lockgraphPage.showEdge(cycles[0][0])")
    spot = browser.evaluate("""(() => { const i = cycles.length ? edges[cycles[0][0]].from : 0;
        const r = document.querySelector('#graph [data-n="' + i + '"] rect').getBoundingClientRect();
        return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()""")
    browser.mouse("mouseMoved", spot["x"], spot["y"])
    browser.screenshot(os.path.join(out, name + "-overview.png"))
    timings[name]["searchMs"] = browser.evaluate(
        "(() => { const t = performance.now(); window.lockgraphPage.search('storage'); return performance.now() - t; })()")
    # Zoom steps: the time from the frame that starts after a step to the next one, which is the
    # frame drawing the new view (at least one refresh interval); the median of 12.
    timings[name]["zoomFrameMs"] = browser.evaluate("""new Promise(done => {
        const times = []; let n = 0;
        const step = () => { document.getElementById(n % 2 ? 'zoom-out' : 'zoom-in').click();
          requestAnimationFrame(t1 => requestAnimationFrame(t2 => { times.push(t2 - t1);
            if (++n < 12) step(); else done(times.sort((a, b) => a - b)[6]); })); };
        step(); })""", wait_promise=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("pages", nargs="+", help="NAME=PAGE.html:INPUT.json")
    options = parser.parse_args()
    os.makedirs(options.out, exist_ok=True)
    results = {"passed": 0, "failed": 0}

    def report(ok, name, what, detail=""):
        results["passed" if ok else "failed"] += 1
        print("%s %s: %s%s" % ("ok  " if ok else "FAIL", name, what, "" if ok else " (%s)" % detail), flush=True)

    timings = {}
    browser = Browser(options.chromium, time.monotonic() + options.seconds)
    try:
        for spec in options.pages:
            name, rest = spec.split("=", 1)
            page, source = rest.rsplit(":", 1)
            with open(source) as f:
                document = json.load(f)
            try:
                check_page(browser, name, page, document, options.out, timings, report)
            except CheckFailed as failure:
                report(False, name, "page checks ran to the end", str(failure))
    finally:
        browser.close()
    with open(os.path.join(options.out, "timings.json"), "w") as f:
        json.dump(timings, f, indent=2)
    for name, figures in timings.items():
        print("timing %s: %s" % (name, ", ".join("%s %.1f ms" % (k, v) for k, v in figures.items())))
    print("browser test: %d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
