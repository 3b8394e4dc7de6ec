// Public API of the Bitwarden simulator (@app/simulator).
export { startSimulator } from './server';
export type {
  Counters,
  CreateOrgInput,
  Fault,
  FaultKind,
  RealmCounters,
  RealmLimits,
  RealmMode,
  SimConfig,
  SimOrg,
  SimulatorHandle,
  SimulatorOptions,
  TokenLogEntry,
} from './types';
