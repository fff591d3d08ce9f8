// The hybrid source's map table: every map found by scope text and name, across growth, same names in other scopes.
import { MapTable, type MapTableItem } from '../../src/export/mapTable.js';

interface Item extends MapTableItem<Item> {
  id: number;
}

test('finds every map by scope and name, and nothing else, while it grows', () => {
  const table = new MapTable<Item>();
  const scopes = ['', 'environments###prod', 'environments###test', 'apis###p1'];
  const items: Item[] = [];
  for (let i = 0; i < 5000; i++) {
    const item: Item = { id: i, aScp: scopes[i % scopes.length]!, map: `m${Math.floor(i / 2)}`, nextInSlot: undefined };
    table.add(item);
    items.push(item);
  }
  for (const item of items) expect(table.get(`${item.aScp}`, `${item.map}`)?.id).toBe(item.id);
  expect(table.get('environments###prod', 'm1')).toBeUndefined(); // m1 exists in two other scopes only
  expect(table.get('', 'absent')).toBeUndefined();
  expect(table.get('environments###other', 'm0')).toBeUndefined();
});
