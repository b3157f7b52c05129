// Read the .npy files `lowrank-lab bench --export` writes: little-endian
// float64, C order, 1-D or 2-D. Returns {shape, data: Float64Array}.
import fs from 'node:fs';

export function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (descr !== '<f8' || fortran !== 'False') throw new Error(`${file}: need little-endian float64 in C order, got ${descr} fortran=${fortran}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = buf.subarray(start, start + 8 * count);
  if (bytes.length !== 8 * count) throw new Error(`${file}: truncated`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = bytes.readDoubleLE(8 * i);
  return { shape, data };
}
