/**
 * A one-line progress display for long transfers, on stderr and only when stderr is a terminal:
 * piped or captured output never sees it. Redrawn in place with '\r', at most ten times a second.
 */
import { humanBytes } from './format.ts';

const REDRAW_MS = 100;
const BAR_WIDTH = 20;

export interface Progress {
  update(files: number, bytes: number): void;
  /** Clears the line; the caller prints its summary after. */
  done(): void;
}

const silent: Progress = { update() {}, done() {} };

export function startProgress(label: string, totalBytes?: number, stream = process.stderr): Progress {
  if (!stream.isTTY) return silent;
  const started = performance.now();
  let lastDraw = 0;
  let shown = false;
  const draw = (files: number, bytes: number): void => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? `${humanBytes(bytes / seconds)}/s` : '';
    let bar = '';
    if (totalBytes !== undefined && totalBytes > 0) {
      const fraction = Math.min(1, bytes / totalBytes);
      const filled = Math.round(fraction * BAR_WIDTH);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% `;
    }
    const text = `${label} ${bar}${files.toLocaleString('en-US')} files, ${humanBytes(bytes)}  ${rate}`;
    stream.write(`\r${text.slice(0, Math.max(20, (stream.columns || 80) - 1))}\x1b[K`);
    shown = true;
  };
  return {
    update(files, bytes) {
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      draw(files, bytes);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
