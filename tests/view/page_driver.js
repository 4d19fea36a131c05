// Drives the demo's step-through page through its own controls, as a
// learner would: steps forward through every step (so past every segment),
// checks the states the page shows at three chosen segments, steps back,
// and clicks segment #2 in the diagram to check its decoded options.
// Writes "PAGE OK ..." or "PAGE FAIL ..." into <pre id="page-result">.
(function () {
  const fails = [];
  const $ = id => document.getElementById(id);
  const steps = JSON.parse($('steps').textContent);
  const shown = () => [$('state0').textContent, $('state1').textContent];
  // The step index of segment #n, from the page's own data.
  const stepOf = n => steps.findIndex(s => s.kind === 'frame' && s.frame.n === n);
  // What seed 000's notes say each side is in when these segments leave.
  const expect = { 1: ['SYN-SENT', 'CLOSED'], 3: ['ESTABLISHED', 'SYN-RECEIVED'], 7: ['FIN-WAIT-1', 'ESTABLISHED'] };
  $('first').click();
  const seen = new Set();
  let moves = 0;
  for (let i = 0; i < steps.length; ++i) {
    const m = /^step (\d+) of (\d+)/.exec($('pos').textContent);
    if (!m || Number(m[1]) !== i + 1) fails.push('at move ' + i + ' the page shows "' + $('pos').textContent + '"');
    const seg = /^#(\d+) /.exec($('now').textContent);
    if (seg) {
      const n = Number(seg[1]);
      seen.add(n);
      if (expect[n]) {
        const got = shown();
        if (got[0] !== expect[n][0] || got[1] !== expect[n][1]) {
          fails.push('segment #' + n + ': states shown ' + got.join('/') + ', expected ' + expect[n].join('/'));
        }
      }
    }
    if (i + 1 < steps.length) { $('next').click(); ++moves; }
  }
  const segments = steps.filter(s => s.kind === 'frame' && s.frame.n > 0).length;
  if (seen.size !== segments) fails.push('stepped past ' + seen.size + ' of ' + segments + ' segments');
  const last = shown();
  if (last[0] !== 'CLOSED' || last[1] !== 'CLOSED') fails.push('last step shows ' + last.join('/'));
  $('prev').click();
  if (!/^step (\d+)/.test($('pos').textContent) || Number(/^step (\d+)/.exec($('pos').textContent)[1]) !== steps.length - 1) {
    fails.push('back did not go back: "' + $('pos').textContent + '"');
  }
  // Click segment #2's arrow in the diagram.
  const g = $('step-' + stepOf(2));
  if (!g) {
    fails.push('no diagram element for segment #2');
  } else {
    g.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    const d = $('details').textContent;
    if (!/mss 1024/.test(d)) fails.push('segment #2 details lack "mss 1024": ' + d.slice(0, 200));
    if (!/TCP/.test(d) || !/IPv4/.test(d) || !/Ethernet II/.test(d)) fails.push('segment #2 details lack a layer');
    if (!/^#2 /.test($('now').textContent)) fails.push('clicking #2 shows "' + $('now').textContent + '"');
  }
  const pre = document.createElement('pre');
  pre.id = 'page-result';
  pre.textContent = fails.length ? 'PAGE FAIL\n' + fails.join('\n')
                                 : 'PAGE OK steps=' + steps.length + ' moves=' + moves + ' segments=' + seen.size;
  document.body.appendChild(pre);
})();
