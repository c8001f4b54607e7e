import { BackendError } from '@attnjs/core';

/**
 * A program could not be turned into an ONNX graph: an op got a tensor of the wrong dtype or from
 * another engine, an axis is out of range, an output is not a tensor. Thrown while tracing, before
 * any session exists, and names the op and the offending value.
 */
export class TraceError extends BackendError {
  override name = 'TraceError';
}
