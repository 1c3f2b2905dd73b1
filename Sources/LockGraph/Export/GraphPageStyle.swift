/// The page's style sheet: the cycle panels, the whole-graph drawing (edges, boxes, the labels kept
/// when zoomed out), the details pane, the search results and the hover tip.
extension GraphPageAssets {
    static let style = #"""
    :root{--red:#c4161c;--ink:#1d2733;--mute:#6b7785}
    *{box-sizing:border-box}
    body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--ink);background:#fff}
    header{padding:.5em 1em;border-bottom:1px solid #d8dde3;background:#f7f9fb;position:sticky;top:0;z-index:3}
    h1{font-size:1.25em;margin:0 .6em 0 0;display:inline}
    h2{font-size:1.05em;margin:.9em 0 .4em}
    .summary{display:inline;color:var(--mute);margin:0}
    .searchbar{margin-top:.35em;position:relative}
    #search{width:min(30em,60vw);padding:.3em .5em;font:inherit}
    #search-count{color:var(--mute);margin-left:.5em}
    #search-results{display:none;position:absolute;top:2.2em;left:0;z-index:4;background:#fff;border:1px solid #ccd;max-height:50vh;overflow:auto;min-width:30em;box-shadow:0 4px 12px #0002}
    .searching #search-results.open{display:block}
    #search-results button{display:block;width:100%;text-align:left}
    main{display:flex;align-items:flex-start}
    #content{flex:1;min-width:0;padding:0 1em 1em}
    #details{flex:0 0 32%;max-width:680px;position:sticky;top:5.5em;max-height:calc(100vh - 6em);overflow:auto;border-left:1px solid #d8dde3;padding:0 1em 1em}
    #details h3{font-size:1em;margin:.4em 0;word-break:break-all}
    #cycle-panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:.7em}
    .panel{border:1px solid #e8c4c4;border-radius:6px;padding:.3em .5em .5em;background:#fffafa}
    .panel h3{font-size:.85em;margin:.1em 0 .2em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
    .panel svg{max-width:100%;height:auto;display:block;margin:0 auto}
    .panel svg text{font-size:12px;stroke:#fffafa;stroke-width:3px;paint-order:stroke}
    .panel .edge-list{font-size:.8em}
    .searching .panel.nohit{opacity:.35}
    p.none{color:#2a7a2a}
    button.link{background:none;border:none;padding:.1em 0;color:#0b57a6;cursor:pointer;font:12px ui-monospace,monospace;text-align:left;word-break:break-all}
    button.link:hover{text-decoration:underline}
    .toolbar{display:flex;gap:.4em;align-items:center;margin-bottom:.3em;flex-wrap:wrap}
    .toolbar .hint{color:var(--mute);font-size:.85em}
    #whole{scroll-margin-top:6em}
    #graph-box{height:72vh;border:1px solid #ccd3db;border-radius:4px;overflow:hidden;cursor:grab;background:#fff;touch-action:none}
    #graph-box.dragging{cursor:grabbing}
    #graph{width:100%;height:100%;display:block}
    svg text{font:11px ui-monospace,"DejaVu Sans Mono",monospace;fill:var(--ink)}
    path.edge{fill:none;stroke:#a3adb8;stroke-width:1.3;marker-end:url(#arrow);cursor:pointer}
    path.edge:is(.cyc,.hl,.sel){vector-effect:non-scaling-stroke}
    path.edge.cyc{stroke:var(--red);stroke-width:2.5;marker-end:url(#arrow-red)}
    path.edge.hl{stroke:#0b57a6;stroke-width:2;marker-end:url(#arrow-blue)}
    path.edge.sel{stroke:#f08c00;stroke-width:4;marker-end:url(#arrow-orange)}
    path.hit{fill:none;stroke:transparent;stroke-width:14;pointer-events:stroke;cursor:pointer}
    .node{cursor:pointer}
    .node rect{fill:#eaf1f8;stroke:#4d6f91}
    .node.cyc rect{fill:#fde8e8;stroke:var(--red);stroke-width:2}
    .node.hit rect{fill:#ffe066;stroke:#a65f00;stroke-width:2}
    .node.sel rect{stroke:#f08c00;stroke-width:3}
    .panel .node circle{fill:#fde8e8;stroke:var(--red);stroke-width:2}
    .panel .node.hit circle{fill:#ffe066}
    #graph.far .node text{display:none}
    #graph.far path.edge:not(.cyc,.hl,.sel){stroke:#8d99a6;stroke-width:2;marker-end:none}
    #graph.far .node:is(.cyc,.hit,.sel) text{display:inline;font-weight:600;stroke:#fff;paint-order:stroke}
    .searching #graph .node:not(.hit){opacity:.25}
    .searching #graph path.edge:not(.hl,.sel){opacity:.15}
    .only-cycles #graph path.edge:not(.cyc){display:none}
    #tip{position:fixed;z-index:5;pointer-events:none;background:#1d2733;color:#fff;padding:.4em .6em;border-radius:4px;font:12px/1.35 ui-monospace,monospace;white-space:pre;max-width:70vw;overflow:hidden}
    pre.stacks{font:12px/1.35 ui-monospace,"DejaVu Sans Mono",monospace;white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f7f9;border:1px solid #e1e5ea;padding:.5em}
    table.facts td{padding:0 .8em 0 0;vertical-align:top}
    """#
}
