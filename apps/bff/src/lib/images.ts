import type { Sharp, SharpOptions } from 'sharp';

type SharpFactory = (input?: Buffer, options?: SharpOptions) => Sharp;

let loading: Promise<SharpFactory> | undefined;

/**
 * sharp (libvips), loaded on the first image the hub makes or checks, not at boot: libvips maps
 * 13 MB of code, allocates 7 MB and starts four threads as soon as it is loaded, and most nodes
 * never make an image (BENCHMARKS.md, issue 21: resident memory).
 */
export function imageTool(): Promise<SharpFactory> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
