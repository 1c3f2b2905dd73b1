/// The style sheet and script of ``GraphPage``, inlined into each page (the page loads nothing).
///
/// The script reads `edges`, `nodes`, `records`, `stacks` and `cycles` (see `GraphPage.Model`)
/// and builds the drawing once: O(V + E) elements, no per-pair work. Names reach the page only
/// through `textContent` and `setAttribute`, never as markup. Zoom and pan change only the
/// drawing's `viewBox`; labels are hidden while zoomed out too far to read them. Only the few
/// highlighted edges keep a constant on-screen width (`non-scaling-stroke` on every edge made each
/// zoom frame of a 2,000-edge graph about 2.5 times slower in Chromium). Hover, click and
/// search are each one listener on a container, not one per element.
enum GraphPageAssets {
    static let script = #"""
    'use strict';
    (() => {
    const started = performance.now();
    const NS = 'http://www.w3.org/2000/svg';
    const $ = id => document.getElementById(id);
    function svgEl(name, attrs, parent) {
      const e = document.createElementNS(NS, name);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      if (parent) parent.appendChild(e);
      return e;
    }
    function htmlEl(tag, cls, text, parent) {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== null && text !== undefined) e.textContent = text;
      if (parent) parent.appendChild(e);
      return e;
    }
    function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + '\u2026' : text; }
    function baseName(path) { const i = path.lastIndexOf('/'); return i < 0 ? path : path.slice(i + 1); }
    function site(n) { return n.file ? baseName(n.file) + ':' + n.line : 'not in this file (no lock of this class)'; }
    function q(name) { return '"' + name + '"'; }
    function link(kind, index, text, parent) {
      const b = htmlEl('button', 'link', text, parent);
      b.dataset[kind] = index;
      return b;
    }

    const outEdges = nodes.map(() => []), inEdges = nodes.map(() => []);
    edges.forEach((e, i) => { outEdges[e.from].push(i); if (e.to !== e.from) inEdges[e.to].push(i); });
    const nodeEls = nodes.map(() => []), edgeEls = edges.map(() => []);

    // Details: an edge's stacks, or a lock's edges.
    const body = $('detail-body');
    let selected = [];
    function select(els) {
      selected.forEach(x => x.classList.remove('sel'));
      selected = els;
      els.forEach(x => x.classList.add('sel'));
    }
    function showEdge(i) {
      const e = edges[i], from = nodes[e.from].name, to = nodes[e.to].name;
      body.replaceChildren();
      htmlEl('h3', null, q(from) + ' \u2192 ' + q(to), body);
      htmlEl('p', null, (e.onCycle ? 'On a cycle. ' : '') + (e.back ? 'Drawn against the order (a back edge). ' : '')
        + (e.from === e.to ? 'Same-class nesting: two locks of one class nested; not a cycle unless instances are taken in both orders. ' : '')
        + 'Recorded ' + e.records.length + ' time(s).', body);
      const nav = htmlEl('p', null, null, body);
      link('node', e.from, from, nav); htmlEl('span', null, '  \u2192  ', nav); link('node', e.to, to, nav);
      const lines = [];
      e.records.slice(0, 20).forEach(r => {
        const rec = records[r];
        lines.push('Thread ' + rec.thread + (rec.closesCycle ? ' (this acquire closed a cycle in its process)' : ''));
        lines.push('  ' + q(from) + ' acquired:', stacks[rec.holderStack]);
        lines.push('  ' + q(to) + ' acquired while holding ' + q(from) + ':', stacks[rec.acquirerStack], '');
      });
      if (e.records.length > 20) lines.push('\u2026 and ' + (e.records.length - 20) + ' more recordings of this edge');
      htmlEl('pre', 'stacks', lines.join('\n'), body);
      select(edgeEls[i]);
    }
    function edgeList(title, list, end, parent) {
      htmlEl('h4', null, title + ' (' + list.length + ')', parent);
      const box = htmlEl('div', null, null, parent);
      list.slice(0, 200).forEach(i => {
        const e = edges[i];
        link('edge', i, (e.onCycle ? '\u25cf ' : '') + nodes[e[end]].name + '  (' + e.records.length + ')', box);
        htmlEl('br', null, null, box);
      });
      if (list.length > 200) htmlEl('span', null, '\u2026 and ' + (list.length - 200) + ' more', box);
    }
    function showNode(i) {
      const n = nodes[i];
      body.replaceChildren();
      htmlEl('h3', null, n.name, body);
      const t = htmlEl('table', 'facts', null, body);
      [['type', n.type || '?'], ['created at', n.file ? n.file + ':' + n.line : site(n)], ['instances', String(n.instances)],
       ['on a cycle', n.onCycle ? 'yes' : 'no'], ['layer', String(n.layer)]].forEach(([k, v]) => {
        const row = htmlEl('tr', null, null, t); htmlEl('td', null, k, row); htmlEl('td', null, v, row);
      });
      edgeList('Taken while holding it', outEdges[i], 'to', body);
      edgeList('Held while taking it', inEdges[i], 'from', body);
      select(nodeEls[i]);
    }

    // Cycles: one small ring each, drawn first.
    const panels = $('cycle-panels');
    const panelNodes = [];
    function drawCycle(cycle, k) {
      const panel = htmlEl('div', 'panel', null, panels);
      const members = cycle.map(i => edges[i].from);
      const names = members.map(m => nodes[m].name);
      const title = 'Cycle ' + (k + 1) + ': ' + names.concat([names[0]]).map(q).join(' \u2192 ');
      htmlEl('h3', null, title, panel).title = title;
      // A ring from the top, clockwise, labels centred above the top node and below the others;
      // the radius grows until no two labels on one line overlap, and the viewBox fits it all.
      const m = members.length, FONT = 12, CHARS = 24;
      const texts = members.map(n => clip(nodes[n].name, CHARS)), widths = texts.map(t => t.length * FONT * 0.61);
      const ring = r => members.map((_, j) => {
        const a = -Math.PI / 2 + 2 * Math.PI * j / m, x = r * Math.cos(a), y = r * Math.sin(a);
        return [x, y, y < -0.5 * r ? y - 12 : y + 22];
      });
      const overlaps = p => p.some(([x, , ly], i) => p.some(([x2, , ly2], j) =>
        j > i && Math.abs(ly - ly2) < FONT + 2 && Math.abs(x - x2) < (widths[i] + widths[j]) / 2 + 8));
      let R = 50;
      for (let tries = 0; tries < 30 && m <= 40 && overlaps(ring(R)); tries++) R *= 1.15;
      const pos = ring(R);
      const svg = svgEl('svg', {class: 'cycle'}, panel);
      let box = [-R - 20, -R - 20, R + 20, R + 20];
      cycle.forEach((edge, j) => {
        const [x1, y1] = pos[j], [x2, y2] = pos[(j + 1) % m];
        const len = Math.hypot(x2 - x1, y2 - y1) || 1, ux = (x2 - x1) / len, uy = (y2 - y1) / len;
        const bend = len * (m === 2 ? 0.3 : 0.12), mx = (x1 + x2) / 2 + uy * bend, my = (y1 + y2) / 2 - ux * bend;
        const trim = (x, y, tx, ty, by) => { const l = Math.hypot(tx - x, ty - y) || 1; return [x + (tx - x) / l * by, y + (ty - y) / l * by]; };
        const [sx, sy] = trim(x1, y1, mx, my, 10), [ex, ey] = trim(x2, y2, mx, my, 10);
        const d = 'M' + sx + ',' + sy + ' Q' + mx + ',' + my + ' ' + ex + ',' + ey;
        edgeEls[edge].push(svgEl('path', {d, class: 'edge cyc', 'data-e': edge}, svg));
        svgEl('path', {d, class: 'hit', 'data-e': edge}, svg);
      });
      members.forEach((n, j) => {
        const [x, y, ly] = pos[j], w = widths[j];
        const g = svgEl('g', {class: 'node cyc', 'data-n': n}, svg);
        svgEl('circle', {cx: x, cy: y, r: 7}, g);
        svgEl('text', {x, y: ly, 'text-anchor': 'middle'}, g).textContent = texts[j];
        box = [Math.min(box[0], x - w / 2), Math.min(box[1], ly - FONT), Math.max(box[2], x + w / 2), Math.max(box[3], ly + 4)];
        nodeEls[n].push(g);
      });
      const [vw, vh] = [box[2] - box[0] + 12, box[3] - box[1] + 12];
      svg.setAttribute('viewBox', [box[0] - 6, box[1] - 6, vw, vh].join(' '));
      svg.setAttribute('width', vw);  // natural size (labels at their font size) unless the panel is narrower
      svg.setAttribute('height', vh);
      const list = htmlEl('div', 'edge-list', null, panel);
      cycle.forEach(edge => {
        link('edge', edge, q(nodes[edges[edge].from].name) + ' \u2192 ' + q(nodes[edges[edge].to].name), list);
        htmlEl('br', null, null, list);
      });
      panelNodes.push([panel, members]);
    }
    $('cycles').querySelector('h2').textContent = 'Cycles (' + cycles.length + ')';
    if (!cycles.length) htmlEl('p', 'none', 'No lock-order cycle: every edge follows one order.', panels);
    const firstPanels = 60;
    cycles.slice(0, firstPanels).forEach(drawCycle);
    if (cycles.length > firstPanels) {
      const more = htmlEl('button', null, 'Show all ' + cycles.length + ' cycles', $('cycles'));
      more.onclick = () => { more.remove(); cycles.slice(firstPanels).forEach((c, k) => drawCycle(c, k + firstPanels)); };
    }

    // The whole graph: layers left to right (computed by lockgraph), curves between them.
    const graph = $('graph'), graphBox = $('graph-box');
    const defs = svgEl('defs', {}, graph);
    [['arrow', '#a3adb8'], ['arrow-red', '#c4161c'], ['arrow-blue', '#0b57a6'], ['arrow-orange', '#f08c00']].forEach(([id, color]) => {
      const mk = svgEl('marker', {id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7,
        markerUnits: 'userSpaceOnUse', orient: 'auto'}, defs);
      svgEl('path', {d: 'M0,0L10,5L0,10z', fill: color}, mk);
    });
    const labelChars = 30;
    const widest = Math.min(labelChars, nodes.reduce((w, n) => Math.max(w, n.name.length), 6));
    const BOXW = widest * 6.7 + 14, BOXH = 18, COLW = BOXW + 110, ROWH = 26, PAD = 30;
    const layerSizes = [];
    nodes.forEach(n => { layerSizes[n.layer] = Math.max(layerSizes[n.layer] || 0, n.order + 1); });
    const tallest = layerSizes.reduce((a, b) => Math.max(a, b || 0), 1);
    const px = n => PAD + n.layer * COLW;
    const py = n => PAD + (n.order + (tallest - (layerSizes[n.layer] || 0)) / 2) * ROWH;
    const gEdges = svgEl('g', {class: 'edges'}, graph), gNodes = svgEl('g', {class: 'nodes'}, graph);
    edges.forEach((e, i) => {
      const a = nodes[e.from], b = nodes[e.to];
      const x1 = px(a), y1 = py(a) + BOXH / 2, x2 = px(b), y2 = py(b) + BOXH / 2;
      let d;
      if (e.from === e.to) {
        d = 'M' + (x1 + BOXW - 24) + ',' + (y1 - BOXH / 2) + ' c0,-16 16,-16 16,0';
      } else if (b.layer > a.layer) {
        const sx = x1 + BOXW, dx = (x2 - sx) / 2;
        d = 'M' + sx + ',' + y1 + ' C' + (sx + dx) + ',' + y1 + ' ' + (x2 - dx) + ',' + y2 + ' ' + x2 + ',' + y2;
      } else {
        // Against the order: out of the left side of one box, dipping below, into the bottom of the other.
        const ex = x2 + BOXW / 2, ey = y2 + BOXH, dip = 30 + 0.1 * Math.abs(x1 - ex);
        d = 'M' + x1 + ',' + y1 + ' C' + (x1 - 40) + ',' + (y1 + dip) + ' ' + ex + ',' + (Math.max(y1, ey) + dip) + ' ' + ex + ',' + ey;
      }
      edgeEls[i].push(svgEl('path', {d, class: 'edge' + (e.onCycle ? ' cyc' : '') + (e.back ? ' back' : ''), 'data-e': i}, gEdges));
    });
    nodes.forEach((n, i) => {
      const g = svgEl('g', {class: 'node' + (n.onCycle ? ' cyc' : ''), 'data-n': i, transform: 'translate(' + px(n) + ',' + py(n) + ')'}, gNodes);
      svgEl('rect', {width: BOXW, height: BOXH, rx: 3}, g);
      svgEl('text', {x: 6, y: 13}, g).textContent = clip(n.name, labelChars);
      nodeEls[i].push(g);
    });
    // Cycle edges last, so they are drawn over the rest.
    edges.forEach((e, i) => { if (e.onCycle) gEdges.appendChild(edgeEls[i][edgeEls[i].length - 1]); });

    // Zoom and pan: only the viewBox changes.
    const layers = layerSizes.length;
    const whole = {x: 0, y: 0, w: 2 * PAD + Math.max(1, layers) * COLW - (COLW - BOXW), h: 2 * PAD + tallest * ROWH + 40};
    // A small graph gets a box its own height, not 72% of the window.
    graphBox.style.height = Math.min(0.72 * window.innerHeight, Math.max(240, whole.h * 1.25)) + 'px';
    let view = whole, frame = 0;
    const zoomStyle = document.head.appendChild(document.createElement('style'));
    function apply() {
      frame = 0;
      graph.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h);
      // Zoomed out too far to read every label: only the locks on a cycle, found or selected
      // keep theirs, at a readable size. The size is one rule in a style sheet of its own: a
      // custom property on the drawing made every zoom frame restyle all its elements.
      const scale = (graphBox.clientWidth || 800) / view.w, far = scale < 0.6;
      graph.classList.toggle('far', far);
      if (far) zoomStyle.textContent = '#graph.far .node:is(.cyc,.hit,.sel) text{font-size:' + (12 / scale).toFixed(1)
        + 'px;stroke-width:' + (3 / scale).toFixed(1) + 'px}';
    }
    function schedule() { if (!frame) frame = requestAnimationFrame(apply); }
    function fit(r, top) {
      const bw = graphBox.clientWidth || 800, bh = graphBox.clientHeight || 500;
      const s = Math.min(bw / r.w, bh / r.h, 1.25), w = bw / s, h = bh / s;
      view = {x: r.x - (w - r.w) / 2, y: r.y - (top ? 0 : (h - r.h) / 2), w, h};
    }
    function zoom(f, cx, cy) {
      const w = Math.min(Math.max(view.w * f, 150), whole.w * 4), g = w / view.w;
      view = {x: cx - (cx - view.x) * g, y: cy - (cy - view.y) * g, w, h: view.h * g};
      schedule();
    }
    function toUser(clientX, clientY) {
      const r = graphBox.getBoundingClientRect();
      return [view.x + (clientX - r.left) / r.width * view.w, view.y + (clientY - r.top) / r.height * view.h];
    }
    function focusNode(i) {
      const n = nodes[i];
      fit({x: px(n) - COLW, y: py(n) - 3 * ROWH, w: 2 * COLW + BOXW, h: 6 * ROWH + BOXH});
      apply();
      $('whole').scrollIntoView({block: 'start'});
    }
    fit(whole, true); apply();
    $('fit').onclick = () => { fit(whole, true); apply(); };
    $('zoom-in').onclick = () => zoom(1 / 1.5, view.x + view.w / 2, view.y + view.h / 2);
    $('zoom-out').onclick = () => zoom(1.5, view.x + view.w / 2, view.y + view.h / 2);
    $('only-cycles').onchange = ev => document.body.classList.toggle('only-cycles', ev.target.checked);
    graphBox.addEventListener('wheel', ev => {
      ev.preventDefault();
      const [cx, cy] = toUser(ev.clientX, ev.clientY);
      zoom(ev.deltaY > 0 ? 1.2 : 1 / 1.2, cx, cy);
    }, {passive: false});
    let drag = null, dragged = false;
    graphBox.addEventListener('pointerdown', ev => { if (ev.button === 0) { drag = [ev.clientX, ev.clientY, view]; dragged = false; } });
    window.addEventListener('pointermove', ev => {
      if (!drag) return;
      const dx = ev.clientX - drag[0], dy = ev.clientY - drag[1];
      if (!dragged && Math.hypot(dx, dy) < 4) return;
      dragged = true; graphBox.classList.add('dragging');
      const r = graphBox.getBoundingClientRect(), v = drag[2];
      view = {x: v.x - dx / r.width * v.w, y: v.y - dy / r.height * v.h, w: v.w, h: v.h};
      schedule();
    });
    window.addEventListener('pointerup', () => { drag = null; graphBox.classList.remove('dragging'); });

    // Clicks anywhere: edges show their stacks, locks their edges.
    document.addEventListener('click', ev => {
      if (dragged && graphBox.contains(ev.target)) { dragged = false; return; }
      const t = ev.target.closest('[data-e],[data-edge],[data-n],[data-node]');
      if (!t) return;
      if (t.dataset.e !== undefined || t.dataset.edge !== undefined) showEdge(Number(t.dataset.e ?? t.dataset.edge));
      else if (t.dataset.node !== undefined) {
        results.classList.remove('open');
        showNode(Number(t.dataset.node));
        focusNode(Number(t.dataset.node));
      }
      else showNode(Number(t.dataset.n));
    });

    // Hover: a lock's creation site and counts, an edge's ends and recordings.
    const tip = $('tip');
    let lit = [];
    function light(list) { lit.forEach(i => edgeEls[i].forEach(x => x.classList.remove('hl'))); lit = list; list.forEach(i => edgeEls[i].forEach(x => x.classList.add('hl'))); }
    document.addEventListener('pointerover', ev => {
      const t = ev.target.closest && ev.target.closest('svg [data-n], svg [data-e]');
      if (!t) { tip.hidden = true; light([]); return; }
      let text;
      if (t.dataset.n !== undefined) {
        const i = Number(t.dataset.n), n = nodes[i];
        text = n.name + '\n' + (n.type ? n.type + ', ' : '') + 'created at ' + site(n) + '\n' + n.instances + ' instance(s)\n'
          + outEdges[i].length + ' lock class(es) taken while holding it, ' + inEdges[i].length + ' held while taking it'
          + (n.onCycle ? '\non a cycle' : '');
        light(outEdges[i].concat(inEdges[i]));
      } else {
        const e = edges[Number(t.dataset.e)], first = records[e.records[0]];
        text = q(nodes[e.from].name) + ' \u2192 ' + q(nodes[e.to].name) + '\nrecorded ' + e.records.length + ' time(s), first by thread '
          + first.thread + (e.onCycle ? '\non a cycle' : '') + '\nclick for the stacks';
        light([]);
      }
      tip.textContent = text;
      tip.hidden = false;
      tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
      tip.style.top = (ev.clientY + 16) + 'px';
    });

    // Search by lock name or creation file: matches highlighted, the rest dimmed.
    const keys = nodes.map(n => (n.name + '\n' + n.file).toLowerCase());
    const results = $('search-results');
    let hits = [];
    function search(text) {
      const needle = text.trim().toLowerCase();
      hits.forEach(i => nodeEls[i].forEach(x => x.classList.remove('hit')));
      hits = [];
      if (needle) keys.forEach((k, i) => { if (k.includes(needle)) hits.push(i); });
      hits.forEach(i => nodeEls[i].forEach(x => x.classList.add('hit')));
      document.body.classList.toggle('searching', needle !== '');
      const hit = new Set(hits);
      panelNodes.forEach(([panel, members]) => panel.classList.toggle('nohit', needle !== '' && !members.some(m => hit.has(m))));
      $('search-count').textContent = needle ? hits.length + ' lock class(es) match' : '';
      results.replaceChildren();
      hits.slice(0, 50).forEach(i => link('node', i, nodes[i].name + '  (' + site(nodes[i]) + ')', results));
      results.classList.toggle('open', hits.length > 0);
    }
    let searchFrame = 0;
    $('search').addEventListener('input', ev => {
      cancelAnimationFrame(searchFrame);
      searchFrame = requestAnimationFrame(() => search(ev.target.value));
    });
    $('search').addEventListener('focus', ev => { if (ev.target.value) results.classList.add('open'); });
    document.addEventListener('pointerdown', ev => { if (!ev.target.closest('.searchbar')) results.classList.remove('open'); });

    window.lockgraphPage = {search, showEdge, showNode, timing: {scriptMs: performance.now() - started, readyMs: performance.now()}};
    requestAnimationFrame(() => setTimeout(() => { window.lockgraphPage.timing.firstFrameMs = performance.now(); }, 0));
    })();
    """#
}
