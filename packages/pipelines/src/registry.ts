/**
 * The task registry: one table from a task name to what the task needs (which model classes it runs,
 * which options a call takes, how to build it). `pipeline()` reads only this table, so a task is one
 * file in tasks/ plus one line in tasks/index.ts — no switch on task names anywhere else.
 */
import { type Backend, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import type { Tokenizer } from '@attnjs/tokenizers';
import { BUILTIN_TASKS } from './tasks/index.js';

/** A model class as `pipeline()` loads it: `BertForMaskedLM`, `GPT2LMHeadModel`, … */
export interface ModelClass {
  /** The class's name as config.json's `architectures` spells it. */
  readonly modelName: string;
  fromPretrained(dir: string | URL, options: { backend: Backend } & Record<string, unknown>): Promise<PreTrainedModel>;
}

/** What a task's `create` gets: the model and tokenizer (loaded or the user's), and option handling. */
export interface PipelineContext {
  readonly task: string;
  readonly model: PreTrainedModel;
  readonly tokenizer: Tokenizer;
  /**
   * A call's options checked against the task's `callOptions` (an unknown key is an UnsupportedError
   * naming it) and merged over the defaults given to `pipeline()`. `where` names the method in errors.
   */
  resolveOptions(options: object | undefined, where?: string): Readonly<Record<string, unknown>>;
}

/** What `create` returns: the call itself and, optionally, more methods (e.g. `stream`). */
export interface TaskRunner {
  /** The pipeline call: inputs and the already resolved options (see `PipelineContext.resolveOptions`). */
  run(inputs: unknown, options: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** Extra methods put on the pipeline object; they resolve their own options through the context. */
  readonly methods?: Readonly<Record<string, (...args: never[]) => unknown>>;
}

export interface TaskDefinition {
  /** Hugging Face's task name, e.g. `'fill-mask'`. */
  readonly task: string;
  /** Other names for the task (HF's `'sentiment-analysis'` for text-classification). */
  readonly aliases?: readonly string[];
  /**
   * The classes this task runs. A folder whose config.json `architectures[0]` is one of them is loaded
   * as that class; a user's model must be an instance of one (by `modelName`) unless `accepts` says otherwise.
   */
  readonly architectures: readonly ModelClass[];
  /** For a folder whose `architectures[0]` is not in `architectures`: the class to load per config `model_type`. */
  readonly modelTypes: Readonly<Record<string, ModelClass>>;
  /** Whether a user-passed model fits; defaults to "its `modelName` is one of `architectures`". */
  accepts?(model: PreTrainedModel): boolean;
  /** Option names a call accepts; `pipeline()` accepts them too, as defaults for every call (as HF does). */
  readonly callOptions: readonly string[];
  create(context: PipelineContext): TaskRunner;
}

let registry: Map<string, TaskDefinition> | undefined;

/** The table, with the built-in tasks registered on first use (not at import: the package has no import side effects). */
function table(): Map<string, TaskDefinition> {
  if (registry === undefined) {
    registry = new Map();
    for (const definition of BUILTIN_TASKS) addNames(registry, definition);
  }
  return registry;
}

function addNames(map: Map<string, TaskDefinition>, definition: TaskDefinition): void {
  for (const name of [definition.task, ...(definition.aliases ?? [])]) map.set(name, definition);
}

/**
 * Adds a task (or replaces one of the same name). The built-in tasks are registered from
 * tasks/index.ts; applications may register their own.
 */
export function registerTask(definition: TaskDefinition): void {
  addNames(table(), definition);
}

/** The definition for `task`, or an UnsupportedError listing the tasks there are. */
export function findTask(task: unknown): TaskDefinition {
  const found = typeof task === 'string' ? table().get(task) : undefined;
  if (!found) {
    throw new UnsupportedError(`pipeline: unknown task ${JSON.stringify(task)} (supported: ${supportedTasks().join(', ')})`);
  }
  return found;
}

/** Every registered task name, aliases included, sorted. */
export function supportedTasks(): string[] {
  return [...table().keys()].sort();
}

/** Whether a user-passed model fits the task. */
export function taskAccepts(definition: TaskDefinition, model: PreTrainedModel): boolean {
  if (definition.accepts) return definition.accepts(model);
  return definition.architectures.some((c) => c.modelName === model.modelName);
}
