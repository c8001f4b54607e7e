// PLACEHOLDER — being implemented by a helper. API contract:
import type { HostTensor } from './host.js';
import type { Source } from './io.js';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface SafetensorsTensor {
  /** The dtype as stored. */
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Floats (F64/F32/F16/BF16) are decoded to float32; integers and bools to int32 (I64 checked for range). */
  readonly tensor: HostTensor;
}

export interface SafetensorsFile {
  readonly metadata: Record<string, string>;
  readonly tensors: Map<string, SafetensorsTensor>;
}

export declare function parseSafetensors(bytes: Uint8Array, source?: string): SafetensorsFile;
export declare function readSafetensors(source: Source): Promise<SafetensorsFile>;
export declare function serializeSafetensors(tensors: Record<string, HostTensor> | Map<string, HostTensor>, metadata?: Record<string, string>): Uint8Array;
export declare function writeSafetensors(path: string, tensors: Record<string, HostTensor> | Map<string, HostTensor>, metadata?: Record<string, string>): Promise<void>;
