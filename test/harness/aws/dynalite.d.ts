/** The part of dynalite 4's API the harness uses (the package ships no types). */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  export interface DynaliteOptions {
    /** How long a new table stays CREATING. @default 500 */
    readonly createTableMs?: number;
    /** How long a deleted table stays DELETING. @default 500 */
    readonly deleteTableMs?: number;
    /** How long an updated table stays UPDATING. @default 500 */
    readonly updateTableMs?: number;
    /** LevelDB folder. @default - in memory */
    readonly path?: string;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
