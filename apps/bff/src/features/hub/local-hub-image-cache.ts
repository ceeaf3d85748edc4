import type { Deps } from '../../deps';
import { Lru } from '../../lib/lru';

// The images download.php makes (screenshots fitted to 150 × 150 for the community block's
// list, the hub logo), kept in memory so that a list of courses does not resize every image on
// every request. Bounded by entries and by bytes, least recently used out first; the key holds
// the stored file's content hash, so a changed screenshot (a new upload, new content) is never
// answered from the old one, and a deleted one is never looked up (download.php finds its row
// first). One cache per app, like the hub's limits.

export const IMAGE_CACHE_LIMITS = {
  entries: 512,
  bytes: 32 * 1024 * 1024,
  /** A larger image (a big imagewidth) is made for the request and not kept. */
  entryBytes: 512 * 1024,
} as const;

export interface MadeImage {
  body: Buffer;
  mimetype: string;
}

class ImageCache {
  readonly lru = new Lru<string, MadeImage>(IMAGE_CACHE_LIMITS.entries);
  /** Images being made: concurrent requests for the same one wait for it instead of resizing again. */
  readonly making = new Map<string, Promise<MadeImage>>();
  bytes = 0;
  hits = 0;
  misses = 0;

  keep(key: string, image: MadeImage): void {
    const size = image.body.length;
    if (size > IMAGE_CACHE_LIMITS.entryBytes) return;
    const old = this.lru.get(key);
    if (old) {
      this.bytes -= old.body.length;
      this.lru.delete(key);
    }
    // Make room first, so that the Lru never drops an entry this count does not see.
    for (const [k, v] of this.lru.entries()) {
      if (this.lru.size < IMAGE_CACHE_LIMITS.entries && this.bytes + size <= IMAGE_CACHE_LIMITS.bytes) break;
      this.lru.delete(k);
      this.bytes -= v.body.length;
    }
    this.lru.set(key, image);
    this.bytes += size;
  }
}

const byApp = new WeakMap<Deps, ImageCache>();

function cacheOf(deps: Deps): ImageCache {
  let c = byApp.get(deps);
  if (!c) {
    c = new ImageCache();
    byApp.set(deps, c);
  }
  return c;
}

/**
 * The image `key` names (which must include the source's content hash and everything the image
 * is made with), from the cache or made by `make` and kept.
 */
export async function cachedImage(deps: Deps, key: string, make: () => Promise<MadeImage>): Promise<MadeImage> {
  const cache = cacheOf(deps);
  const hit = cache.lru.get(key);
  if (hit) {
    cache.hits++;
    return hit;
  }
  const pending = cache.making.get(key);
  if (pending) return pending;
  cache.misses++;
  const p = make().then(
    (image) => {
      cache.making.delete(key);
      cache.keep(key, image);
      return image;
    },
    (err) => {
      cache.making.delete(key);
      throw err;
    },
  );
  cache.making.set(key, p);
  return p;
}

/** How the cache is doing: images held, their bytes, and the requests answered from it or not. */
export function imageCacheStats(deps: Deps): { entries: number; bytes: number; hits: number; misses: number } {
  const c = cacheOf(deps);
  return { entries: c.lru.size, bytes: c.bytes, hits: c.hits, misses: c.misses };
}
