// MapIds: map ids by scope text and name, looked up from the text of a dump line (the hybrid fast passes).
import { MapIds } from '../../src/export/hybrid/mapIds.js';
import { seededRandom } from '../support/random.js';

/** `text` holding the scope and name at known places, as a cut dump line does. */
function line(aScp: string, map: string): { text: string; a: [number, number]; m: [number, number] } {
  const text = ` tid | ${aScp} | ${map} | 1 `;
  const a = text.indexOf(aScp, 7);
  const m = text.indexOf(` ${map} `, a + aScp.length) + 1;
  return { text, a: [a, a + aScp.length], m: [m, m + map.length] };
}

function find(ids: MapIds, aScp: string, map: string): number {
  const { text, a, m } = line(aScp, map);
  return ids.find(text, a[0], a[1], m[0], m[1]);
}

test('finds every map added (thousands, ids in any order), and nothing else', () => {
  const rnd = seededRandom(3);
  const ids = new MapIds();
  const maps: [string, string][] = [];
  const seen = new Set<string>();
  while (maps.length < 5000) {
    const aScp = ['', 'environments###prod', 'environments###test', 'apis###orders'][Math.floor(rnd() * 4)]!;
    const map = `m${Math.floor(rnd() * 3000)}${rnd() < 0.5 ? '' : '-x'}`;
    if (seen.has(`${aScp}\0${map}`)) continue;
    seen.add(`${aScp}\0${map}`);
    maps.push([aScp, map]);
  }
  const order = maps.map((_, i) => i).sort(() => rnd() - 0.5);
  for (const id of order) ids.add(id, maps[id]![0], maps[id]![1]);
  maps.forEach(([aScp, map], id) => expect(find(ids, aScp, map)).toBe(id));
  expect(find(ids, 'environments###prod', 'm99999')).toBe(-1);
  expect(find(ids, 'environments###prox', maps.find(([a]) => a === 'environments###prod')![1])).toBe(-1);
  expect(find(ids, '', 'm')).toBe(-1);
});

test('a map whose scope or name is not ASCII is never found by text (its rows take the general path)', () => {
  const ids = new MapIds();
  ids.add(0, 'environments###prod', 'mé');
  ids.add(1, 'environments###prod', 'm');
  expect(find(ids, 'environments###prod', 'm')).toBe(1);
  expect(find(ids, 'environments###prod', 'mé')).toBe(-1);
});
