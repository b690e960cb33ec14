/** Parses the `pipeline@job` references of job, datum and log commands. */
import { InvalidArgumentError } from '../versioning/errors.ts';
import { type CommitSetId, parseCommitSetId, parseRepoName, type RepoName } from '../versioning/ids.ts';

export interface JobRef {
  readonly pipeline: RepoName;
  readonly job: CommitSetId;
}

export function parseJobRef(text: string): JobRef {
  const at = text.indexOf('@');
  if (at <= 0 || at === text.length - 1) {
    throw new InvalidArgumentError(
      `invalid job ${JSON.stringify(text)}: expected PIPELINE@JOB_ID (the job ID is the global ID; see 'strata list job')`,
    );
  }
  return { pipeline: parseRepoName(text.slice(0, at)), job: parseCommitSetId(text.slice(at + 1)) };
}
