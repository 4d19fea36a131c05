// Run inside a page holding a wirestack sequence diagram (svg.ws-diagram):
// every text must lie inside the canvas and no two texts may overlap.
// Writes "LAYOUT OK ..." or "LAYOUT FAIL ..." into <pre id="layout-result">.
(function () {
  const out = [];
  const svg = document.querySelector('svg.ws-diagram');
  if (!svg) {
    out.push('LAYOUT FAIL: no svg.ws-diagram in the page');
  } else {
    // The canvas in the diagram's own units: its viewBox, else its size.
    const vb = svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width ? svg.viewBox.baseVal : null;
    const canvas = vb ? { width: vb.width, height: vb.height }
                      : { width: svg.width.baseVal.value, height: svg.height.baseVal.value };
    const boxes = [];
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBBox();
      if (r.width === 0 && r.height === 0) continue;
      boxes.push({ t: t.textContent, l: r.x - (vb ? vb.x : 0), r: r.x + r.width - (vb ? vb.x : 0),
                   top: r.y - (vb ? vb.y : 0), b: r.y + r.height - (vb ? vb.y : 0) });
    }
    const eps = 0.5;
    for (const b of boxes) {
      if (b.l < -eps || b.top < -eps || b.r > canvas.width + eps || b.b > canvas.height + eps) {
        out.push('outside the canvas (' + canvas.width + 'x' + canvas.height + '): "' + b.t + '" [' +
                 [b.l, b.top, b.r, b.b].map(Math.round).join(',') + ']');
      }
    }
    for (let i = 0; i < boxes.length; ++i) {
      for (let j = i + 1; j < boxes.length; ++j) {
        const a = boxes[i], c = boxes[j];
        if (a.l < c.r - eps && c.l < a.r - eps && a.top < c.b - eps && c.top < a.b - eps) {
          out.push('overlap: "' + a.t + '" and "' + c.t + '"');
        }
      }
    }
    if (out.length === 0) {
      out.push('LAYOUT OK texts=' + boxes.length + ' canvas=' + Math.round(canvas.width) + 'x' +
               Math.round(canvas.height));
    } else {
      out.unshift('LAYOUT FAIL');
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'layout-result';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
