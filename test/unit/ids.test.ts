import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUuid } from '@app/common';

test('parseUuid returns the lower-case form of a UUID', () => {
  assert.equal(parseUuid('7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b11'), '7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b11');
  assert.equal(parseUuid('7D0C2F0E-3A43-4B8E-9A57-1F0A3C7E9B11'), '7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b11');
});

test('parseUuid refuses anything else with null', () => {
  for (const raw of [
    '',
    'not-a-uuid',
    '7d0c2f0e3a434b8e9a571f0a3c7e9b11',
    '{7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b11}',
    ' 7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b11',
    '7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b11\n',
    '7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b1g',
    '7d0c2f0e-3a43-4b8e-9a57-1f0a3c7e9b111',
  ]) {
    assert.equal(parseUuid(raw), null, JSON.stringify(raw));
  }
});
