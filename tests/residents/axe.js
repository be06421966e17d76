// axe-core (vendored into the test run, never into the app), run in the page: WCAG 2.0/2.1 A and
// AA rules, zero violations expected.
const fs = require('node:fs');
const assert = require('node:assert/strict');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function checkA11y(page, what) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  assert.deepEqual(violations, [], `${what}: accessibility violations`);
}

module.exports = { checkA11y };
