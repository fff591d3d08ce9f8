// Worker thread of the export's second pass: chunks of whole lines of an Edge cassandra-cli dump in, each wanted KVM decrypted and rendered out.
import { parentPort, workerData } from 'node:worker_threads';
import { chunkContext, errorOf, renderChunk } from './renderChunk.js';
import type { ChunkJob, ChunkResult, WorkerSetup } from './protocol.js';

const context = chunkContext(workerData as WorkerSetup);

parentPort!.on('message', (job: ChunkJob) => {
  let result: ChunkResult;
  try {
    const { rows, text } = renderChunk(context, Buffer.from(job.buffer, 0, job.length), job.firstLine);
    result = { seq: job.seq, rows, text, buffer: job.buffer };
  } catch (err) {
    result = { seq: job.seq, rows: [], text: new ArrayBuffer(0), buffer: job.buffer, error: errorOf(err) };
  }
  parentPort!.postMessage(result, [result.text, result.buffer]);
});
