/** The worker thread of off-thread.ts: runs each job it is sent and posts the answer back. */
import { parentPort } from 'node:worker_threads';
import { runJob, type Job } from './off-thread.ts';

parentPort!.on('message', ({ id, job }: { id: number; job: Job }) => {
  parentPort!.postMessage(runJob(id, job));
});
