// Preloaded with `node --import`: records what each console.log call prints, one JSON string per call
// (a value Node prints over several lines stays one entry), and still prints it.
import { appendFileSync } from 'node:fs';
import { format } from 'node:util';

const file = process.env.ATTNJS_CAPTURE;
const log = console.log.bind(console);
console.log = (...args) => {
  appendFileSync(file, `${JSON.stringify(format(...args))}\n`);
  log(...args);
};
