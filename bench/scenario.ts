// What every scenario hands back: rows of the results table and free-form notes, both written by the report.
import type { BenchContext } from './context';

export interface Row {
  scenario: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  /** null when a row has no target to meet. */
  ok: boolean | null;
  note?: string;
}

export interface ScenarioResult {
  rows: Row[];
  notes: string[];
}

export type Scenario = (ctx: BenchContext) => Promise<ScenarioResult>;

export const f1 = (x: number) => x.toFixed(1);
export const f2 = (x: number) => x.toFixed(2);
