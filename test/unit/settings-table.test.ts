import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSettings } from '../../src/config/config.schema.js';

/**
 * docs/configuration.md's settings table is the schema's descriptions, in
 * the schema's order: a setting added, renamed, re-defaulted or re-described
 * in one place and not the other fails here, and the message holds the table
 * to paste.
 */
const DOC = join(import.meta.dirname, '../../docs/configuration.md');
const BEGIN = '<!-- settings-table:begin -->';
const END = '<!-- settings-table:end -->';

function expectedTable(): string {
  const rows = describeSettings().map((setting) => `| \`${setting.name}\` | ${setting.default} | ${setting.doc} |`);
  return ['| setting | default | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}

test('the documented settings table is the schema, setting by setting', () => {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const documented = text.slice(start + BEGIN.length, end).trim();
  const expected = expectedTable();
  if (documented !== expected) {
    throw new Error(`docs/configuration.md's settings table differs from src/config/config.schema.ts; the schema says:\n\n${expected}\n`);
  }
});

test('every setting has a description', () => {
  for (const setting of describeSettings()) expect(setting.doc.length).toBeGreaterThan(10);
});
