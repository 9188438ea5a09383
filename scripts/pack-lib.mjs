// Shared by scripts/pack.mjs (builds the Chrome Web Store zip) and scripts/pack-check.mjs
// (checks it): a small ZIP writer and reader (no zip tool on a fresh machine; node's zlib
// deflates), and the scan of which files an extension's manifest, pages and scripts refer to.

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { posix } from "node:path";

// ---------------------------------------------------------------------------------------
// ZIP (PKWARE APPNOTE: local headers, central directory, end record; deflate or stored)
// ---------------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data) {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Every entry gets the same timestamp, 2020-01-01 00:00, so equal inputs give equal zips.
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;

/** A zip of `files` (Map name → Buffer), entries sorted by name, deflated when smaller. */
export function writeZip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const name of [...files.keys()].sort()) {
    const data = files.get(name);
    const nameBytes = Buffer.from(name, "utf8");
    const deflated = deflateRawSync(data, { level: 9 });
    const stored = deflated.length >= data.length;
    const body = stored ? data : deflated;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The entries of a zip (Map name → Buffer), checking each one's CRC. */
export function readZip(zip) {
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 65_535); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) { end = at; break; }
  }
  if (end < 0) throw new Error("not a zip file (no end of central directory record)");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    files.set(name, data);
  }
  return files;
}

// ---------------------------------------------------------------------------------------
// References: which files the extension loads
// ---------------------------------------------------------------------------------------

const FILE_LIKE = /^[\w@./-]+\.(?:js|mjs|html|css|png|svg|json|wasm|webp|jpg|gif|ico|woff2?)$/i;
const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

/** Every file-like string value in the manifest (paths relative to the extension's root). */
function manifestReferences(manifest) {
  const found = [];
  const walk = (value, key) => {
    if (typeof value === "string") {
      if (key !== "key" && FILE_LIKE.test(value) && !EXTERNAL.test(value)) found.push(value);
    } else if (Array.isArray(value)) {
      value.forEach((item) => walk(item, key));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(manifest, "");
  return found;
}

const PATTERNS = {
  html: [/\b(?:src|href)\s*=\s*["']([^"']+)["']/g],
  css: [/url\(\s*["']?([^"')]+)["']?\s*\)/g, /@import\s+["']([^"']+)["']/g],
  js: [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*["']([^"']+)["']/g, // import … from "x"
    /\bimport\s*["']([^"']+)["']/g, // import "x"
    /\bimport\(\s*["']([^"']+)["']\s*\)/g, // import("x")
    /\bnew URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g,
  ],
  // Relative to the extension's root, not to the file.
  jsRoot: [/\bchrome\.runtime\.getURL\??\.?\(\s*["']([^"']+)["']\s*\)/g],
};

/**
 * The files `path` (with `text`) refers to, as paths from the extension's root, or throws
 * for one that escapes it. Remote URLs, data: URLs and fragments are not files.
 */
export function referencesOf(path, text) {
  const kind = path.endsWith(".html") ? "html" : path.endsWith(".css") ? "css"
    : /\.m?js$/.test(path) ? "js" : path === "manifest.json" ? "manifest" : null;
  if (!kind) return [];
  const dir = posix.dirname(path);
  const resolveFrom = (base, ref) => {
    const clean = ref.split(/[?#]/)[0];
    if (!clean || EXTERNAL.test(ref) || clean.endsWith("/") || /(^|\/)\.\.?$/.test(clean)) return null; // not a file
    const full = posix.normalize(clean.startsWith("/") ? clean.slice(1) : posix.join(base, clean));
    if (full.startsWith("../") || full === "..") throw new Error(`${path} refers to ${ref}, outside the extension`);
    return full;
  };
  const refs = [];
  if (kind === "manifest") {
    for (const ref of manifestReferences(JSON.parse(text))) refs.push(resolveFrom(".", ref));
  } else {
    for (const pattern of PATTERNS[kind]) {
      for (const match of text.matchAll(pattern)) refs.push(resolveFrom(dir, match[1]));
    }
    if (kind === "js") {
      for (const pattern of PATTERNS.jsRoot) {
        for (const match of text.matchAll(pattern)) refs.push(resolveFrom(".", match[1]));
      }
    }
  }
  return [...new Set(refs.filter(Boolean))];
}

/**
 * Every file reachable from manifest.json through references, with `read(path)` giving a
 * file's Buffer or null when it does not exist. Returns { files: Set, missing: [[from, to]] }.
 */
export function closure(read) {
  const files = new Set();
  const missing = [];
  const queue = [["(root)", "manifest.json"]];
  while (queue.length) {
    const [from, path] = queue.shift();
    if (files.has(path)) continue;
    const data = read(path);
    if (data == null) {
      missing.push([from, path]);
      continue;
    }
    files.add(path);
    for (const next of referencesOf(path, data.toString("utf8"))) queue.push([path, next]);
  }
  return { files, missing };
}
