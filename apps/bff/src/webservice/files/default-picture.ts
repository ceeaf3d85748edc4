import { deflateSync } from 'node:zlib';

// The picture a user without one gets (Moodle's pix/u/f1.png, f2.png, f3.png, served by
// /theme/image.php): a grey silhouette on a light background, drawn here at Moodle's sizes
// (f1 100 px, f2 35 px, f3 512 px) rather than copied from Moodle.

const SIZES = { f1: 100, f2: 35, f3: 512 } as const;
export type PictureSize = keyof typeof SIZES;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function draw(size: number): Buffer {
  const bg = [0xe9, 0xec, 0xef];
  const fg = [0xa0, 0xa6, 0xab];
  const rows: Buffer[] = [];
  const head = { x: size / 2, y: size * 0.38, r: size * 0.2 };
  const body = { x: size / 2, y: size * 1.02, rx: size * 0.36, ry: size * 0.4 };
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const inHead = (x + 0.5 - head.x) ** 2 + (y + 0.5 - head.y) ** 2 <= head.r ** 2;
      const inBody = ((x + 0.5 - body.x) / body.rx) ** 2 + ((y + 0.5 - body.y) / body.ry) ** 2 <= 1;
      const c = inHead || inBody ? fg : bg;
      row.set(c, 1 + x * 3);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const cache = new Map<PictureSize, Buffer>();

/** The default user picture at a size, as a PNG (drawn once per process). */
export function defaultPicture(size: PictureSize): Buffer {
  let png = cache.get(size);
  if (!png) {
    png = draw(SIZES[size]);
    cache.set(size, png);
  }
  return png;
}
