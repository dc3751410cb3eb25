import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { parseByteRange } from '../../src/dev/simulator/media/byte-range';
import { filterValue, wrapText } from '../../src/dev/simulator/media/ffmpeg-render';
import { drawScenePicture, mediaSize } from '../../src/dev/simulator/media/scene-picture';

describe("the simulator's media helpers", () => {
  describe('parseByteRange (Range: bytes=…)', () => {
    const size = 1000;

    it('reads a-b, a- and the last n bytes, clamped to the file', () => {
      assert.deepEqual(parseByteRange('bytes=0-99', size), { start: 0, end: 99 });
      assert.deepEqual(parseByteRange('bytes=500-', size), { start: 500, end: 999 });
      assert.deepEqual(parseByteRange('bytes=-10', size), { start: 990, end: 999 });
      assert.deepEqual(parseByteRange('bytes=-5000', size), { start: 0, end: 999 });
      assert.deepEqual(parseByteRange('bytes=900-5000', size), { start: 900, end: 999 });
      assert.deepEqual(parseByteRange('bytes=999-999', size), { start: 999, end: 999 });
      assert.deepEqual(parseByteRange(' Bytes = 1 - 2 ', size), { start: 1, end: 2 });
    });

    it('is unsatisfiable past the end of the file, or for an empty suffix', () => {
      assert.equal(parseByteRange('bytes=1000-', size), 'unsatisfiable');
      assert.equal(parseByteRange('bytes=1000-1100', size), 'unsatisfiable');
      assert.equal(parseByteRange('bytes=-0', size), 'unsatisfiable');
      assert.equal(parseByteRange('bytes=0-', 0), 'unsatisfiable');
    });

    it('answers the whole file for no range, an invalid one, another unit or several ranges', () => {
      for (const header of [undefined, '', 'bytes=', 'bytes=-', 'bytes=5-1', 'items=0-1', 'bytes=0-1,5-6', 'bytes=a-b', 'bytes=0-1-2']) {
        assert.equal(parseByteRange(header, size), undefined, String(header));
      }
    });
  });

  it('escapes a filter value at both of the levels ffmpeg parses it', () => {
    assert.equal(filterValue('/tmp/plain/file.txt'), '/tmp/plain/file.txt');
    // ':' is escaped once for the options, and that backslash again for the graph.
    assert.equal(filterValue('a:b'), 'a\\\\:b');
    assert.equal(filterValue("it's"), "it\\\\\\'s");
    assert.equal(filterValue('a,b[c];'), 'a\\,b\\[c\\]\\;');
  });

  it('wraps a prompt into at most four lines of 42 characters, cutting long words and the rest', () => {
    assert.deepEqual(wrapText('a short prompt'), ['a short prompt']);
    const lines = wrapText(`${'word '.repeat(60)}end`);
    assert.equal(lines.length, 4);
    assert.ok(lines.every((line) => line.length <= 42));
    assert.ok(lines[3].endsWith('…'));
    assert.deepEqual(wrapText('x'.repeat(50)), ['x'.repeat(42), 'x'.repeat(8)]);
  });

  it('draws a 640x360 picture per prompt and scene number, the same each time, different for the next scene', () => {
    const first = drawScenePicture('a harbour at dawn', 1);
    assert.deepEqual(first, drawScenePicture('a harbour at dawn', 1));
    const png = PNG.sync.read(first);
    assert.deepEqual([png.width, png.height], [mediaSize.width, mediaSize.height]);
    assert.notDeepEqual(first, drawScenePicture('a harbour at dawn', 2));
    assert.notDeepEqual(first, drawScenePicture('a gull takes off', 1));
  });
});
