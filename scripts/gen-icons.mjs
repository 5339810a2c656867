// Draws the dashboard's app icons (a white house on Hearth's orange) into web/public: PNGs at the sizes phones ask
// for, a maskable one with the house inside the safe zone, and the same drawing as SVG. Run: node scripts/gen-icons.mjs
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const ORANGE = [0xe4, 0x57, 0x2e];
const WHITE = [0xff, 0xff, 0xff];
const out = new URL('../web/public/', import.meta.url);

// The house in a 0..1 square: a roof triangle, the walls, and a door cut out of them.
const roof = [
  [0.5, 0.2],
  [0.82, 0.5],
  [0.18, 0.5],
];
const walls = { x0: 0.27, y0: 0.47, x1: 0.73, y1: 0.8 };
const door = { x0: 0.44, y0: 0.6, x1: 0.56, y1: 0.8 };

function inTriangle(x, y, [a, b, c]) {
  const side = (p, q) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const d1 = side(a, b),
    d2 = side(b, c),
    d3 = side(c, a);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}
const inRect = (x, y, r) => x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1;
const isHouse = (x, y) => (inTriangle(x, y, roof) || inRect(x, y, walls)) && !inRect(x, y, door);

/** `rounded`: a rounded square on transparent ground (any); otherwise full bleed with the house shrunk into the safe zone (maskable). */
function draw(size, { rounded, scale = 1 }) {
  const px = Buffer.alloc(size * size * 4);
  const n = 4; // 4×4 samples per pixel for smooth edges
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let bg = 0,
        fg = 0;
      for (let sj = 0; sj < n; sj++) {
        for (let si = 0; si < n; si++) {
          const x = (i + (si + 0.5) / n) / size,
            y = (j + (sj + 0.5) / n) / size;
          const inside = !rounded || insideRounded(x, y, 0.18);
          if (!inside) continue;
          bg++;
          if (isHouse(0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale)) fg++;
        }
      }
      const o = (j * size + i) * 4,
        total = n * n;
      const f = bg ? fg / bg : 0;
      for (let k = 0; k < 3; k++) px[o + k] = Math.round(ORANGE[k] * (1 - f) + WHITE[k] * f);
      px[o + 3] = Math.round((255 * bg) / total);
    }
  }
  return png(size, px);
}

function insideRounded(x, y, r) {
  const cx = Math.min(Math.max(x, r), 1 - r),
    cy = Math.min(Math.max(y, r), 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

writeFileSync(new URL('icon-192.png', out), draw(192, { rounded: true }));
writeFileSync(new URL('icon-512.png', out), draw(512, { rounded: true }));
// The maskable icon is cropped to a circle of 80 % by some launchers: the house stays inside it.
writeFileSync(new URL('icon-maskable-512.png', out), draw(512, { rounded: false, scale: 0.75 }));
// iOS rounds the corners itself and shows no transparency.
writeFileSync(new URL('apple-touch-icon.png', out), draw(180, { rounded: false }));
const u = (v) => Math.round(v * 1000) / 10; // 0..1 → 0..100, one decimal
const roofPath = `M${roof.map(([x, y]) => `${u(x)},${u(y)}`).join(' L')} Z`;
// The walls as one outline that goes around the door.
const wallPath = `M${u(walls.x0)},${u(walls.y0)} H${u(walls.x1)} V${u(walls.y1)} H${u(door.x1)} V${u(door.y0)} H${u(door.x0)} V${u(door.y1)} H${u(walls.x0)} Z`;
writeFileSync(
  new URL('icon.svg', out),
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="18" fill="#e4572e"/><path fill="#fff" d="${roofPath} ${wallPath}"/></svg>\n`,
);
console.log(`wrote icons to ${out.pathname}`);
